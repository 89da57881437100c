"""Run inside decide-exchange-model's own virtual environment (see ``benchmarks/_peers.py``): build the
equal-gain model from a decide input file as the package's CLI does, with no observers (no CSV, SQLite or log
output) and the deterministic tie rule, and time only its model loop. Prints one JSON line: the loop's CPU
seconds and the final weighted means (0-100), by issue name.

    python decide_loop.py INPUT ROUNDS
"""

import json
import sys
import time
from pathlib import Path

from decide.data.modelfactory import ModelFactory
from decide.data.reader import InputDataFile
from decide.model import equalgain
from decide.model.observers.observer import Observable
from decide.model.utils import ModelLoop

equalgain.EqualGainModel.ALLOW_RANDOM = False  # ktokovo's tie_break="deterministic" (EXCHANGE_SPEC §6.1)
path, rounds = Path(sys.argv[1]), int(sys.argv[2])
model = ModelFactory(InputDataFile.open(path))(model_klass=equalgain.EqualGainModel, randomized_value="0.0")
loop = ModelLoop(model, Observable(model_ref=model, output_directory=path.parent), 0)
start = time.process_time()
for _ in range(rounds):
    loop.loop()
cpu = time.process_time() - start
print(json.dumps({"cpu": cpu, "nbs": {issue.name: float(v) for issue, v in model.nbs.items()}}))
