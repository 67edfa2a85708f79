# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""A throwaway PostgreSQL 15 server for scripts (fault tests, benchmarks): the Python twin of
tests/common/postgres_server.{h,cc}. initdb into a fresh temporary directory, then `postgres`
as a child process on a free loopback port, tuned for speed over crash safety of the machine
(fsync off: a process crash, kill(), loses nothing committed; only an OS crash would).

    with PostgresServer() as pg:                    # start() in the constructor
        db = pg.create_database("faults")           # "faults_1": a fresh, empty database
        bot_flags = [f"--orders_db={pg.url(db)}",
                     f"--orders_db_password_file={pg.password_file}"]
        pg.restart()    # stop() (fast shutdown), then start again on the same port and data
        pg.kill()       # SIGKILL to the postmaster and its backends (crash recovery next)
        pg.start()
        rows = pg.query(db, "SELECT id, status FROM orders")   # [('ORD-...', 'placed'), ...]

Authentication is scram-sha-256 for user "shop" with a random password, kept in
`password_file` (mode 0600, owned by this process's user) for the store under test to read;
url() carries no password. query() runs psql (postgresql-client) with the password in
PGPASSWORD.

PostgreSQL refuses to run as root: then initdb and postgres run as the `postgres` system
user (Debian's postgresql package creates it), which owns the directory; as any other user
they run as that user. kill() ends the backends with the postmaster (found by their parent:
each makes itself a process group leader, so signalling the postmaster's group is not
enough). The postmaster gets SIGKILL when the thread that started it ends (call start() and
restart() from a thread that outlives the server: the main thread), and its backends exit
when it does, so the server never outlives a crashed script. Missing binaries are an error:
scripts/setup.sh installs them.

The binaries come from $SHOP_POSTGRES_BIN_DIR when set, else /usr/lib/postgresql/15/bin.
"""
import csv
import ctypes
import io
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

from haproxy_gateway import free_port  # same folder: scripts/lib

DEFAULT_BIN_DIR = "/usr/lib/postgresql/15/bin"


def find_bin_dir():
    """The directory holding initdb and postgres; RuntimeError naming where it looked."""
    env = os.environ.get("SHOP_POSTGRES_BIN_DIR", "")
    directory = env or DEFAULT_BIN_DIR
    for binary in ("initdb", "postgres"):
        path = os.path.join(directory, binary)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise RuntimeError(
                f"{path} is not an executable file ({'$SHOP_POSTGRES_BIN_DIR' if env else 'the default'}). "
                "PostgreSQL 15's server binaries are needed: install them with `apt-get install "
                "postgresql` (scripts/setup.sh does), or point SHOP_POSTGRES_BIN_DIR at the "
                "directory holding initdb and postgres.")
    return directory


def _write_secret(path, text):
    """A new file (O_EXCL: nothing planted beforehand) with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _child_setup(parent):
    # After the user switch (subprocess switches before calling this), which clears it:
    # the server must not outlive a crashed script.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(126)


def _children(pid):
    """The pids of the processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    # pid (comm) state ppid ...: comm may hold spaces and parentheses.
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid):
    """Whether `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _describe_exit(code):
    return f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"


class PostgresServer:
    """Starts in the constructor (start=False to call start() later); close() or leaving the
    `with` block stops it and removes its directory."""

    user = "shop"

    def __init__(self, ready_timeout=30.0, start=True):
        self.bin_dir = find_bin_dir()
        self.ready_timeout = ready_timeout
        self.port = 0
        self.process = None
        self._databases_created = 0
        self._run_as = None  # (uid, gid) when running as root
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root, which PostgreSQL refuses, and there is no "
                                   "`postgres` user to run it as instead (the Debian postgresql "
                                   "package creates it)") from None
            self._run_as = (account.pw_uid, account.pw_gid)
        self.dir = tempfile.mkdtemp(prefix="shop-postgres-")
        self.data_dir = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "postgres.log")
        self.password_file = os.path.join(self.dir, "password")
        self.password = secrets.token_hex(16)  # nothing a URL or conninfo would need to quote
        try:
            self._initdb()
            if start:
                self.start()
        except BaseException:
            self.close()
            raise

    # --- processes ------------------------------------------------------------------------

    def _spawn(self, args, own_group):
        """Popen of `args` with stdout/stderr appended to the log, as postgres when root,
        in self.dir; with `own_group`, in a new process group of its own."""
        with open(self.log_path, "a") as log:
            os.chmod(self.log_path, 0o600)
            extra = {}
            if self._run_as:
                uid, gid = self._run_as
                extra = {"user": uid, "group": gid, "extra_groups": [gid]}
            return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, cwd=self.dir,
                                    process_group=0 if own_group else None,
                                    preexec_fn=lambda parent=os.getpid(): _child_setup(parent),
                                    **extra)

    def _initdb(self):
        # The store under test reads password_file as this process's user; initdb reads its
        # own copy, which must belong to the user it runs as, and is gone once read.
        _write_secret(self.password_file, self.password)
        initdb_password = self.password_file
        if self._run_as:
            initdb_password = os.path.join(self.dir, "initdb-password")
            _write_secret(initdb_password, self.password)
            # initdb creates data/ and postgres its socket and lock files in self.dir.
            os.chown(initdb_password, *self._run_as)
            os.chown(self.dir, *self._run_as)
        proc = self._spawn([os.path.join(self.bin_dir, "initdb"), "--auth=scram-sha-256",
                            f"--username={self.user}", f"--pwfile={initdb_password}",
                            "--encoding=UTF8", "--locale=C", "--no-sync", "-D", self.data_dir],
                           own_group=False)
        code = proc.wait()
        if self._run_as:
            os.unlink(initdb_password)
        if code != 0:
            raise RuntimeError(f"initdb {_describe_exit(code)}"
                               + (f" (as user postgres, which must be able to reach {self.dir})"
                                  if self._run_as else "") + f"; its output:\n{self.log()}")

    def start(self):
        """Starts the server (a free port the first time, the same port afterwards) and waits
        until `user` can log in. No-op when running."""
        if self.running:
            return
        if self.port:
            self._launch()
            return
        # The free port can be taken by someone else between picking and binding: retry.
        for attempt in range(5):
            self.port = free_port()
            try:
                self._launch()
                return
            except RuntimeError as e:
                if "port in use" not in str(e) or attempt == 4:
                    self.port = 0
                    raise

    def _launch(self):
        # fsync=off keeps commits cheap but still written to the kernel, so they survive
        # kill(). synchronous_commit stays on: off, a commit is acknowledged before its WAL is
        # written at all, and kill() right after it loses the row.
        self.process = self._spawn(
            [os.path.join(self.bin_dir, "postgres"), "-D", self.data_dir, "-p", str(self.port),
             "-k", self.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
             "-c", "full_page_writes=off", "-c", "max_connections=100"], own_group=True)
        self._wait_until_ready()

    def _wait_until_ready(self):
        until = time.monotonic() + self.ready_timeout
        last = ""
        while True:
            code = self.process.poll()
            if code is not None:
                self._kill_all()  # a backend that outlived its postmaster
                self.process = None
                text = self.log()
                raise RuntimeError(f"postgres on port {self.port} {_describe_exit(code)} before "
                                   f"accepting connections"
                                   + (" (port in use)" if "Address already in use" in text else "")
                                   + f"; its output:\n{text}")
            result = self._psql("postgres", "SELECT 1", check=False, timeout=10)
            if result.returncode == 0:
                return
            last = result.stderr.strip()
            if time.monotonic() > until:
                self.stop()
                raise RuntimeError(f"postgres on port {self.port} did not accept a login within "
                                   f"{self.ready_timeout:g} s (last: {last}); its output:\n"
                                   f"{self.log()}")
            time.sleep(0.02)

    @property
    def running(self):
        return self.process is not None

    def stop(self):
        """SIGINT (fast shutdown: open sessions are ended, all committed data kept), then wait
        (SIGKILL to the whole process group after 15 s). Idempotent."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)  # the postmaster ends its backends, waits for them
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self.process = None

    def kill(self):
        """SIGKILL to the postmaster and all its backends, as a crash or an OOM kill would: no
        shutdown work, the next start runs crash recovery. Idempotent."""
        if self.process is None:
            return
        self._kill_all()
        self.process = None

    def _kill_all(self):
        # Every postgres process, not just the postmaster: backends of a SIGKILLed postmaster
        # linger until they notice, and a new postmaster refuses to start while any of them
        # still holds the old shared memory. The postmaster's process group is not enough:
        # each child makes itself a group (and session) leader at start (setsid() in
        # InitPostmasterChild), so its children are found by their parent pid. Stopped
        # first, the postmaster forks no new ones meanwhile.
        postmaster = self.process.pid
        try:
            os.kill(postmaster, signal.SIGSTOP)
        except ProcessLookupError:
            pass
        children = _children(postmaster)
        for pid in [postmaster] + children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        # The backends are not our children: their exit cannot be awaited, only watched (a
        # zombie no one reaps counts as gone), hence the bound.
        until = time.monotonic() + 5.0
        while time.monotonic() < until and any(_alive(pid) for pid in children):
            time.sleep(0.005)

    def restart(self):
        """stop() if running, then start again on the same port and data; waits until ready."""
        self.stop()
        self.start()

    def close(self):
        """Stops the server and removes its directory. Idempotent."""
        self.stop()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- databases ------------------------------------------------------------------------

    def url(self, database):
        """postgresql://shop@127.0.0.1:<port>/<database> (no password: see password_file)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix):
        """Creates an empty database named `prefix` + "_" + a counter (unique on this server)
        and returns its name."""
        self._databases_created += 1
        name = f"{prefix}_{self._databases_created}"
        quoted = '"' + name.replace('"', '""') + '"'
        self.query("postgres", f"CREATE DATABASE {quoted}")
        return name

    def query(self, database, sql, timeout=60):
        """Runs `sql` with psql in `database`; returns the rows of the last statement's result
        as tuples of strings (NULL as ''). RuntimeError with psql's message on failure."""
        result = self._psql(database, sql, check=True, timeout=timeout)
        return [tuple(row) for row in csv.reader(io.StringIO(result.stdout))]

    def _psql(self, database, sql, check, timeout):
        env = dict(os.environ, PGPASSWORD=self.password, PGCONNECT_TIMEOUT="5",
                   PGAPPNAME="postgres_server.py")
        for var in ("PGSERVICE", "PGSERVICEFILE", "PGOPTIONS", "PGPASSFILE"):
            env.pop(var, None)
        result = subprocess.run(
            ["psql", "-X", "-q", "--csv", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", self.user, "-d", database, "-c", sql],
            capture_output=True, text=True, env=env, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"psql {database}: {sql}: {result.stderr.strip()}")
        return result

    def log(self):
        """What initdb and the server wrote so far (for failure messages)."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


if __name__ == "__main__":
    # Smoke test: start, a table, a row, restart, kill, start: the row is still there.
    with PostgresServer() as pg:
        db = pg.create_database("smoke")
        pg.query(db, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
        pg.restart()
        pg.kill()
        pg.start()
        assert pg.query(db, "SELECT x FROM t") == [("1",)], pg.log()
        print(f"ok: {pg.url(db)} (password in {pg.password_file}), as "
              f"{'postgres' if pg._run_as else pwd.getpwuid(os.geteuid()).pw_name}")
