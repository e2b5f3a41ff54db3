# Sourced by the scripts that build (run.sh, test.sh, package.sh): what their cargo runs share.
export PATH="$HOME/.cargo/bin:$PATH"
# FAISS's C++ (the faiss crate's `static` feature, built by cmake) is compiled again for each
# profile and target dir with the same commands: through ccache the second and later builds take
# ~7 s instead of ~2 min (CMake reads these variables; setup.sh installs ccache).
if command -v ccache >/dev/null; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
