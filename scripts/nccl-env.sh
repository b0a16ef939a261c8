# Sourced (bash) by the GPU scripts that run collectives (test/gpu/dist.sh, tpchunk.sh): puts
# .device/lib, NCCL and the CUDA toolkit's libraries on LD_LIBRARY_PATH for dsrun, which opens
# libnccl.so.2 for plans with collectives. NCCL: the toolkit's, else the one PyTorch ships.
export LD_LIBRARY_PATH=$PWD/.device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if ! ldconfig -p | grep -q libnccl.so.2 && [[ ! -e /usr/local/cuda/lib64/libnccl.so.2 ]]; then
  nccl=$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__) + "/lib")' 2>/dev/null)
  [[ -n $nccl ]] && export LD_LIBRARY_PATH=$nccl:$LD_LIBRARY_PATH
fi
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH
