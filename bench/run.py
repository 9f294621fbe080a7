"""`make bench`: every benchmark in one run, so their ratios are comparable."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
failed = 0
for script in ("arxiv_bench.py", "pages_bench.py", "import_bench.py"):
    print(f"\n== {script} ==", flush=True)
    failed |= subprocess.run([sys.executable, str(HERE / script)]).returncode
sys.exit(failed)
