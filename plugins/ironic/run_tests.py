"""Check and test arsenal_ironic: flake8, and every test module.

Ironic and Nova register options of the same names on oslo.config's global
CONF, so the Ironic plugin's tests and the Nova weigher's cannot share an
interpreter: the modules that import nova run in one process, the others in
another (a process per module would import Ironic again for each, about 5 s
apiece). Run it with the interpreter that has Ironic (Debian's
/usr/bin/python3):

    /usr/bin/python3 plugins/ironic/run_tests.py [test_module ...]

The last line has deno test's summary format ("ok | N passed | N failed"),
which .ci/run adds to its count. Exits 1 when anything failed.
"""

import concurrent.futures
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, 'arsenal_ironic', 'tests')
PACKAGES = 'python3-ironic python3-nova python3-oslotest python3-flake8'
TIMEOUT = 900


def test_modules(names):
    """The test modules to run: the ones named, or every test_*.py."""
    found = sorted(f[:-3] for f in os.listdir(TESTS)
                   if f.startswith('test_') and f.endswith('.py'))
    unknown = [n for n in names if n not in found]
    if unknown:
        sys.exit('Cannot run %s: no such module in %s'
                 % (', '.join(unknown), TESTS))
    return names or found


def groups(modules):
    """The modules by the upstream they import: {"nova": [...], ...}."""
    result = {}
    for module in modules:
        with open(os.path.join(TESTS, module + '.py')) as f:
            source = f.read()
        # Any import naming a nova module: nova.*, arsenal_ironic.nova.
        upstream = ('nova' if re.search(r'^\s*(from|import)\b.*\bnova\b',
                                        source, re.M) else 'ironic')
        result.setdefault(upstream, []).append(module)
    return result


def run(command):
    """Run a command in this folder: (exit status, output)."""
    try:
        done = subprocess.run(command, cwd=HERE, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return 1, '%s\nTimed out after %d s' % (e.output or '', TIMEOUT)
    return done.returncode, done.stdout


def unittest_counts(status, output):
    """(passed, failed) from unittest's "Ran N tests" and "FAILED (...)"."""
    ran = re.findall(r'^Ran (\d+) tests? in', output, re.M)
    total = int(ran[-1]) if ran else 0
    failed = sum(int(n) for n in re.findall(
        r'(?:failures|errors|unexpected successes)=(\d+)', output))
    skipped = sum(int(n) for n in re.findall(r'skipped=(\d+)', output))
    if status != 0 and failed == 0:
        failed = 1  # It died before unittest could count.
    return max(total - failed - skipped, 0), failed


def main(argv):
    """Run flake8 and the modules; print each outcome and the summary."""
    started = time.monotonic()
    status, output = run([sys.executable, '-c', 'import ironic, oslotest'])
    if status != 0:
        print('Cannot run the Ironic plugin\'s tests: %s cannot import '
              'ironic and oslotest (Debian: apt-get install %s)\n%s'
              % (sys.executable, PACKAGES, output.strip()))
        print('FAILED | 0 passed | 1 failed (python: arsenal_ironic)')
        return 1
    jobs = [('flake8', [sys.executable, '-m', 'flake8', '.'])]
    for upstream, modules in sorted(groups(test_modules(argv)).items()):
        jobs.append(('%s (%s)' % (upstream, ', '.join(modules)),
                     [sys.executable, '-m', 'unittest']
                     + ['arsenal_ironic.tests.' + m for m in modules]))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda job: (job[0], *run(job[1])), jobs)
        for name, status, output in results:
            if name == 'flake8':
                counts = (1, 0) if status == 0 else (0, 1)
            else:
                counts = unittest_counts(status, output)
            passed += counts[0]
            failed += counts[1]
            if status != 0:
                print(output.rstrip())
            print('%s %s: %d passed, %d failed' % (
                'ok' if status == 0 else 'FAILED', name, *counts))
    print('%s | %d passed | %d failed (python: arsenal_ironic, %d s)' % (
        'FAILED' if failed else 'ok', passed, failed,
        round(time.monotonic() - started)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
