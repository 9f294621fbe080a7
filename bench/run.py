"""`make bench`: every benchmark in one run, so their ratios are comparable. Exits non-zero when any target is missed."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The allocation bench comes with the preference rounds: run it once it is there.
SCRIPTS = ["arxiv_bench.py", "pages_bench.py", "import_bench.py", "allocation_bench.py", "web_bench.py"]

failed = []
for script in SCRIPTS:
    if not (HERE / script).exists():
        continue
    print(f"\n== {script} ==", flush=True)
    if subprocess.run([sys.executable, str(HERE / script)]).returncode:
        failed.append(script)
if failed:
    print(f"\nTargets missed in: {', '.join(failed)}")
sys.exit(1 if failed else 0)
