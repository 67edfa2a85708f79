# shop_proto_library(<target> PROTO_ROOT <dir> PROTOS <files...> [PYTHON_ONLY <files...>]
#                    [IMPORTS <dirs...>])
# IMPORTS: further roots the protos import from (e.g. a service's internal protos that use
# the public API's messages); link the library that generates those too.
# Generates C++ (messages + gRPC stubs) into one static library that links gRPC, and the
# Python modules (messages + grpcio stubs) under ${CMAKE_BINARY_DIR}/python for test clients.
set(SHOP_PYTHON_OUT ${CMAKE_BINARY_DIR}/python)
file(MAKE_DIRECTORY ${SHOP_PYTHON_OUT})
find_program(SHOP_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
find_program(SHOP_GRPC_PYTHON_PLUGIN grpc_python_plugin REQUIRED)
find_program(SHOP_PROTOC protoc REQUIRED)

function(shop_proto_library target)
  cmake_parse_arguments(ARG "" "PROTO_ROOT" "PROTOS;PYTHON_ONLY;IMPORTS" ${ARGN})
  set(includes -I ${ARG_PROTO_ROOT})
  foreach(dir ${ARG_IMPORTS})
    list(APPEND includes -I ${dir})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out})
  set(srcs)
  set(pys)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    file(RELATIVE_PATH rel ${ARG_PROTO_ROOT} ${abs})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(gen ${out}/${stem}.pb.cc ${out}/${stem}.pb.h ${out}/${stem}.grpc.pb.cc ${out}/${stem}.grpc.pb.h)
    set(py ${SHOP_PYTHON_OUT}/${stem}_pb2.py ${SHOP_PYTHON_OUT}/${stem}_pb2_grpc.py)
    add_custom_command(
      OUTPUT ${gen} ${py}
      COMMAND ${SHOP_PROTOC} ${includes}
              --cpp_out=${out} --grpc_out=${out}
              --plugin=protoc-gen-grpc=${SHOP_GRPC_CPP_PLUGIN}
              --python_out=${SHOP_PYTHON_OUT} --grpcpy_out=${SHOP_PYTHON_OUT}
              --plugin=protoc-gen-grpcpy=${SHOP_GRPC_PYTHON_PLUGIN}
              ${abs}
      DEPENDS ${abs}
      COMMENT "protoc ${rel}")
    list(APPEND srcs ${gen})
    list(APPEND pys ${py})
  endforeach()
  foreach(proto ${ARG_PYTHON_ONLY})
    get_filename_component(abs ${proto} ABSOLUTE)
    file(RELATIVE_PATH rel ${ARG_PROTO_ROOT} ${abs})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(py ${SHOP_PYTHON_OUT}/${stem}_pb2.py ${SHOP_PYTHON_OUT}/${stem}_pb2_grpc.py)
    add_custom_command(
      OUTPUT ${py}
      COMMAND ${SHOP_PROTOC} ${includes}
              --python_out=${SHOP_PYTHON_OUT} --grpcpy_out=${SHOP_PYTHON_OUT}
              --plugin=protoc-gen-grpcpy=${SHOP_GRPC_PYTHON_PLUGIN}
              ${abs}
      DEPENDS ${abs}
      COMMENT "protoc (python) ${rel}")
    list(APPEND pys ${py})
  endforeach()
  add_library(${target} STATIC ${srcs})
  # Installed, the generated headers sit under include/shop-protos (protos/CMakeLists.txt).
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${out}>
                                              $<INSTALL_INTERFACE:include/shop-protos>)
  target_link_libraries(${target} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
  # Generated code is not ours to lint.
  target_compile_options(${target} PRIVATE -w)
  add_custom_target(${target}_python ALL DEPENDS ${pys})
endfunction()
