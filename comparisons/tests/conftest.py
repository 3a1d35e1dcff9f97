import sys
from pathlib import Path

COMPARISONS = Path(__file__).resolve().parent.parent
# `import runner` works whether pytest starts in comparisons/ or the repo root.
sys.path.insert(0, str(COMPARISONS))
