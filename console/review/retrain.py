"""Retrain from the review console: `rasa train` with the corrections, then the running Rasa loads it.

One training at a time; the old model keeps answering until the new one is loaded (Rasa's
`PUT /model` loads, then swaps). The state is what the review page polls.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from cartwise.config import PROJECT_ROOT

from ..config import ReviewSettings
from ..rasa_api import RasaApi, RasaUnavailable

log = logging.getLogger("cartwise.review")

LOG_TAIL_CHARS = 3000


@dataclass
class TrainingState:
    state: str = "idle"          # idle, training, loading, done, failed
    started: float | None = None
    finished: float | None = None
    started_by: str | None = None
    model: str | None = None
    message: str = ""
    log_tail: str = field(default="", repr=False)


def train_command(settings: ReviewSettings, python: str = sys.executable) -> list[str]:
    """`rasa train` over the project's data plus the corrections file (when it lives elsewhere)."""
    data = [str(settings.data_dir)]
    if settings.nlu_file.parent.resolve() != settings.data_dir.resolve():
        data.append(str(settings.nlu_file))
    return [python, "-m", "rasa", "train", "--config", str(settings.train_config), "--domain", str(settings.domain),
            "--data", *data, "--out", str(settings.model_dir), "--fixed-model-name", settings.model_name]


class Retrainer:
    def __init__(self, settings: ReviewSettings, rasa: RasaApi):
        self.settings = settings
        self.rasa = rasa
        self.status = TrainingState()
        self._task: asyncio.Task | None = None

    def view(self) -> dict[str, Any]:
        return asdict(self.status)

    def start(self, by: str) -> bool:
        """Start a training run; False when one is already running."""
        if self._task is not None and not self._task.done():
            return False
        self.status = TrainingState("training", started=time.time(), started_by=by,
                                    message="rasa train is running (about 2 minutes on 2 cores)")
        self._task = asyncio.create_task(self._run())
        return True

    async def _run(self) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *train_command(self.settings), cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT)
            output, _ = await process.communicate()
            self.status.log_tail = output.decode(errors="replace")[-LOG_TAIL_CHARS:]
            model = self.settings.model_dir / f"{self.settings.model_name}.tar.gz"
            if process.returncode != 0 or not model.exists():
                self._finish("failed", f"rasa train exited with {process.returncode}; see the log")
                return
            self.status.state, self.status.model = "loading", str(model)
            self.status.message = "the running assistant is loading the new model"
            await self.rasa.load_model(str(model))
            self._finish("done", "the assistant now answers with the retrained model")
        except RasaUnavailable as exc:
            self._finish("failed", f"trained, but Rasa did not load the model: {exc}")
        except Exception as exc:   # a training run must end in a state the page can show
            log.exception("retraining failed")
            self._finish("failed", f"{exc.__class__.__name__}: {exc}")

    def _finish(self, state: str, message: str) -> None:
        self.status.state, self.status.message, self.status.finished = state, message, time.time()
        log.info("retraining %s: %s", state, message)
