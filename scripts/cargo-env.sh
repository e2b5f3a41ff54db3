# Sourced by the scripts that build (run.sh, test.sh, package.sh): what their cargo runs share.
export PATH="$HOME/.cargo/bin:$PATH"
# FAISS's C++ (the faiss crate's `static` feature, built by cmake) is compiled again for each
# profile and target dir with the same commands: through ccache the second and later builds take
# ~7 s instead of ~2 min (CMake reads these variables; setup.sh installs ccache).
if command -v ccache >/dev/null; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
# The build that ships, declared once: the package is made from it (scripts/package.sh) and the
# tests run it (scripts/test.sh), so the dependency tree is compiled optimised once, not once
# for the tests and again for the package. The whole workspace, so that features resolve the
# same for both; the app serving its embedded UI as the installed one does.
shipped_build=(--workspace --release --locked --features segue-app/custom-protocol)
