// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/porter_stemmer.h"

#include <cstring>

namespace shop::supportbot {
namespace {

// The reference implementation's state: the word in b_, its current end k_ (inclusive) and
// j_, the end of the stem before the suffix that the last Ends() matched.
class Stemmer {
 public:
  explicit Stemmer(absl::string_view word) : b_(word), k_(static_cast<int>(word.size()) - 1) {}

  std::string Run() {
    if (k_ <= 1) return b_;
    Step1ab();
    if (k_ > 0) {
      Step1c();
      Step2();
      Step3();
      Step4();
      Step5();
    }
    return b_.substr(0, k_ + 1);
  }

 private:
  bool Cons(int i) const {
    switch (b_[i]) {
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
        return false;
      case 'y':
        return i == 0 ? true : !Cons(i - 1);
      default:
        return true;
    }
  }

  // The number of vowel-consonant sequences in b_[0..j_]: [C](VC)^m[V].
  int M() const {
    int n = 0;
    int i = 0;
    while (true) {
      if (i > j_) return n;
      if (!Cons(i)) break;
      ++i;
    }
    ++i;
    while (true) {
      while (true) {
        if (i > j_) return n;
        if (Cons(i)) break;
        ++i;
      }
      ++i;
      ++n;
      while (true) {
        if (i > j_) return n;
        if (!Cons(i)) break;
        ++i;
      }
      ++i;
    }
  }

  bool VowelInStem() const {
    for (int i = 0; i <= j_; ++i) {
      if (!Cons(i)) return true;
    }
    return false;
  }

  bool DoubleC(int j) const { return j >= 1 && b_[j] == b_[j - 1] && Cons(j); }

  // Consonant-vowel-consonant ending at i, the last consonant not w, x or y ("hop", not
  // "snow"): the place where a removed "e" is restored.
  bool Cvc(int i) const {
    if (i < 2 || !Cons(i) || Cons(i - 1) || !Cons(i - 2)) return false;
    const char ch = b_[i];
    return ch != 'w' && ch != 'x' && ch != 'y';
  }

  bool Ends(const char* s) {
    const int length = static_cast<int>(std::strlen(s));
    if (length > k_ + 1) return false;
    if (b_.compare(k_ - length + 1, length, s) != 0) return false;
    j_ = k_ - length;
    return true;
  }

  void SetTo(const char* s) {
    const int length = static_cast<int>(std::strlen(s));
    b_.replace(j_ + 1, k_ - j_, s);
    k_ = j_ + length;
  }

  void R(const char* s) {
    if (M() > 0) SetTo(s);
  }

  // Plurals and -ed / -ing.
  void Step1ab() {
    if (b_[k_] == 's') {
      if (Ends("sses")) {
        k_ -= 2;
      } else if (Ends("ies")) {
        SetTo("i");
      } else if (b_[k_ - 1] != 's') {
        --k_;
      }
    }
    if (Ends("eed")) {
      if (M() > 0) --k_;
    } else if ((Ends("ed") || Ends("ing")) && VowelInStem()) {
      k_ = j_;
      if (Ends("at")) {
        SetTo("ate");
      } else if (Ends("bl")) {
        SetTo("ble");
      } else if (Ends("iz")) {
        SetTo("ize");
      } else if (DoubleC(k_)) {
        --k_;
        const char ch = b_[k_];
        if (ch == 'l' || ch == 's' || ch == 'z') ++k_;
      } else {
        j_ = k_;
        if (M() == 1 && Cvc(k_)) SetTo("e");
      }
    }
  }

  // Terminal y to i when there is another vowel in the stem.
  void Step1c() {
    if (Ends("y") && VowelInStem()) b_[k_] = 'i';
  }

  // Double suffixes to single ones, e.g. -ization to -ize.
  void Step2() {
    if (k_ < 1) return;
    struct Rule {
      const char* from;
      const char* to;
    };
    static constexpr Rule kRules[] = {{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"},
                                      {"anci", "ance"},   {"izer", "ize"},    {"bli", "ble"},
                                      {"alli", "al"},     {"entli", "ent"},   {"eli", "e"},
                                      {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
                                      {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"},
                                      {"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"},
                                      {"iviti", "ive"},   {"biliti", "ble"},  {"logi", "log"}};
    // The reference code switches on the penultimate letter, so the first suffix that
    // matches wins even when its condition fails; scanning in its order does the same.
    for (const Rule& rule : kRules) {
      if (Ends(rule.from)) {
        R(rule.to);
        return;
      }
    }
  }

  // -ic-, -full, -ness etc.
  void Step3() {
    struct Rule {
      const char* from;
      const char* to;
    };
    static constexpr Rule kRules[] = {{"icate", "ic"}, {"ative", ""},  {"alize", "al"},
                                      {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""},
                                      {"ness", ""}};
    for (const Rule& rule : kRules) {
      if (Ends(rule.from)) {
        R(rule.to);
        return;
      }
    }
  }

  // -ant, -ence etc. when the stem has m > 1.
  void Step4() {
    if (k_ < 1) return;
    static constexpr const char* kSuffixes[] = {
        "al",  "ance", "ence", "er",  "ic",  "able", "ible", "ant", "ement", "ment",
        "ent", "ion",  "ou",   "ism", "ate", "iti",  "ous",  "ive", "ize"};
    bool matched = false;
    for (const char* suffix : kSuffixes) {
      if (!Ends(suffix)) continue;
      // -ion only after s or t.
      if (std::strcmp(suffix, "ion") == 0 && !(j_ >= 0 && (b_[j_] == 's' || b_[j_] == 't'))) {
        continue;
      }
      matched = true;
      break;
    }
    if (matched && M() > 1) k_ = j_;
  }

  // Final -e, and -ll to -l, when m > 1.
  void Step5() {
    j_ = k_;
    if (b_[k_] == 'e') {
      const int a = M();
      if (a > 1 || (a == 1 && !Cvc(k_ - 1))) --k_;
    }
    if (b_[k_] == 'l' && DoubleC(k_) && M() > 1) --k_;
  }

  std::string b_;
  int k_;
  int j_ = 0;
};

}  // namespace

std::string PorterStem(absl::string_view word) {
  for (const char ch : word) {
    if (ch < 'a' || ch > 'z') return std::string(word);
  }
  return Stemmer(word).Run();
}

}  // namespace shop::supportbot
