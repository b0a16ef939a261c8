# Sourced (bash): puts cuDNN 9 on LD_LIBRARY_PATH for dsrun, which opens libcudnn.so.9 when an
# artifact has cuDNN attention steps (runtime/exec/CudnnAttention.h). The system's cuDNN is
# used where the loader finds one; else the one PyTorch's wheels bring (site-packages/nvidia/
# .../libcudnn.so.9), with the NVRTC beside it that cuDNN's runtime-compiled engines load.
if ! ldconfig -p 2>/dev/null | grep -q 'libcudnn\.so\.9 '; then
  dsc_cudnn_dirs=$(python3 - <<'PY' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
dirs = []
for root in roots:
    for pattern in ("nvidia/**/libcudnn.so.9", "nvidia/**/libnvrtc.so*"):
        for path in glob.glob(os.path.join(root, pattern), recursive=True):
            d = os.path.dirname(path)
            if d not in dirs:
                dirs.append(d)
print(":".join(dirs))
PY
  )
  if [[ -n $dsc_cudnn_dirs ]]; then
    export LD_LIBRARY_PATH=$dsc_cudnn_dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
  unset dsc_cudnn_dirs
fi
