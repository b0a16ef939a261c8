# lit configuration for dsc: .mlir pass/dialect tests, .dsg frontend tests, .test scripts.
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "dsc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".dsg", ".test"]
# Helper scripts next to a test (x.test.py) are not tests themselves.
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "fuzz", "gpu"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.dsc_obj_root, "test")

config.substitutions.append(("%dsc_src", config.dsc_src_root))
config.substitutions.append(("%python", config.python_executable or "python3"))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tools = [
    ToolSubst("dsc", unresolved="ignore"),
    ToolSubst("dsc-opt", unresolved="ignore"),
    ToolSubst("dsc-interp", unresolved="ignore"),
    ToolSubst("dsrun", unresolved="ignore"),
]
llvm_config.add_tool_substitutions(tools, [config.dsc_tools_dir])
