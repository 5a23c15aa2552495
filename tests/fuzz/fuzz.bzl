"""tsw_fuzz_target: one libFuzzer target, its replay test, and its fuzz binary."""

def tsw_fuzz_target(name, deps):
    """Defines the targets of the fuzz target `name` (tests/fuzz/<name>_fuzzer.cc).

    <name>_fuzzer_lib: its LLVMFuzzerTestOneInput.
    <name>_fuzzer: the binary. In the fuzz build (--config=fuzz) libFuzzer's main drives
      it; in the plain build replay_main.cc runs it over the files it is given.
    <name>_fuzzer_test: runs it over corpus/<name>/ and regressions/<name>/.
    """
    native.cc_library(
        name = name + "_fuzzer_lib",
        testonly = True,
        srcs = [name + "_fuzzer.cc"],
        deps = deps + [":fuzz_util"],
        alwayslink = True,
    )
    native.cc_binary(
        name = name + "_fuzzer",
        testonly = True,
        deps = [":" + name + "_fuzzer_lib"] + select({
            ":fuzz_build": [],
            "//conditions:default": [":replay_main"],
        }),
        linkopts = select({
            ":fuzz_build": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    dirs = ["tests/fuzz/corpus/" + name]
    data = native.glob(["corpus/" + name + "/**"])
    regressions = native.glob(["regressions/" + name + "/**"])
    if regressions:
        dirs.append("tests/fuzz/regressions/" + name)
    native.cc_test(
        name = name + "_fuzzer_test",
        size = "small",
        deps = [":" + name + "_fuzzer_lib", ":replay_main"],
        data = data + regressions,
        args = dirs,
    )
