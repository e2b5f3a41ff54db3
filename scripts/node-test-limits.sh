# Sourced by the test scripts: `node_test_limits` prints node's time limit per test file and its
# exit-when-done flag where this node has them (20.14 and later; Debian 12's own node 18 has
# neither: there, the harness's unanswered-request limit and the step's ceiling still hold).
node_test_limits() {
  if node --help 2>/dev/null | grep -q -- '--test-force-exit'; then
    echo "--test-timeout=1200000 --test-force-exit"
  fi
}
