"""Turning review into training data: corrected NLU examples and saved test stories, in Rasa's formats.

Rasa's own parsers and writers do the formatting, so what the console writes is what `rasa train`,
`rasa data validate` and `rasa test` read. Writes are atomic (a temporary file renamed over the old).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter
from rasa.shared.nlu.training_data.entities_parser import parse_training_example
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader, RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

NLU_HEADER = ("# Written by the review console: shopper messages a reviewer confirmed or corrected.\n"
              "# One example per text; a later correction of the same text replaces the earlier one.\n")
STORIES_HEADER = "# Written by the review console: conversations a reviewer saved as test stories (rasa test).\n"
NOT_TRAINABLE = frozenset({"nlu_fallback"})


class BadCorrection(ValueError):
    """A correction that would make the training data wrong or invalid; the message says why."""


@dataclass(frozen=True)
class Correction:
    text: str
    intent: str
    entities: list[dict[str, Any]]
    annotated: str      # the example as Rasa writes it: "show me [oat milk](product)"


def parse_correction(annotated: str, intent: str, original_text: str, domain: Domain) -> Correction:
    """Check a reviewer's example against the domain and the message it corrects."""
    if intent in NOT_TRAINABLE or intent not in domain.intents:
        raise BadCorrection(f"{intent!r} is not an intent of this assistant's domain")
    try:
        message = parse_training_example(annotated.strip(), intent)
    except Exception as exc:   # Rasa raises several types for a malformed annotation
        raise BadCorrection(f"cannot read the annotation: {exc}") from None
    text = message.get("text")
    if text != original_text.strip():
        raise BadCorrection("the annotated example must keep the shopper's words; only add [value](entity) marks")
    entities = message.get("entities") or []
    unknown = sorted({e["entity"] for e in entities} - set(domain.entities))
    if unknown:
        raise BadCorrection(f"unknown entity {', '.join(unknown)}; the domain has {', '.join(domain.entities)}")
    return Correction(text, intent, entities, annotated.strip())


def _examples_in(path: Path) -> list[Message]:
    if not path.exists():
        return []
    try:
        data = RasaYAMLReader().read(str(path))
    except Exception:   # not an NLU file (domain, stories): it holds no examples to clash with
        return []
    return list(data.intent_examples)


def existing_intent(text: str, data_files: list[Path]) -> str | None:
    """The intent `text` already has in the project's other training files, if any."""
    for path in data_files:
        for example in _examples_in(path):
            if example.get("text") == text:
                return example.get("intent")
    return None


def add_example(nlu_file: Path, correction: Correction, other_files: list[Path]) -> str:
    """Write the example; 'added', 'replaced' or 'already' (the training data says so already)."""
    elsewhere = existing_intent(correction.text, [p for p in other_files if p.resolve() != nlu_file.resolve()])
    if elsewhere is not None and elsewhere != correction.intent:
        raise BadCorrection(f"this text is a training example of {elsewhere!r} in the project's data; "
                            "change it there, not here")
    if elsewhere == correction.intent:
        return "already"
    examples = _examples_in(nlu_file)
    kept = [e for e in examples if e.get("text") != correction.text]
    outcome = "replaced" if len(kept) < len(examples) else "added"
    new = Message.build(correction.text, correction.intent, correction.entities)
    kept.append(new)
    kept.sort(key=lambda m: (m.get("intent"), m.get("text")))
    write_atomic(nlu_file, NLU_HEADER + RasaYAMLWriter().dumps(TrainingData(training_examples=kept)))
    return outcome


def test_story(sender_id: str, events: list[dict[str, Any]], domain: Domain, name: str) -> dict[str, Any]:
    """One conversation as a Rasa test story (user text, intents, entities, actions, slots)."""
    tracker = DialogueStateTracker.from_dict(sender_id, events, domain.slots)
    story = tracker.as_story()
    text = YAMLStoryWriter().dumps(story.story_steps, is_test_story=True)
    stories = (yaml.safe_load(text) or {}).get("stories") or []
    if not stories or not stories[0].get("steps"):
        raise BadCorrection("this conversation has no turns to test")
    return {"story": name, "steps": stories[0]["steps"]}


def save_story(stories_file: Path, story: dict[str, Any]) -> str:
    """Add the story to the test-stories file, replacing one of the same name; 'added' or 'replaced'."""
    current = yaml.safe_load(stories_file.read_text()) if stories_file.exists() else None
    stories = [s for s in (current or {}).get("stories") or [] if s.get("story") != story["story"]]
    outcome = "replaced" if current and len(stories) < len((current or {}).get("stories") or []) else "added"
    stories.append(story)
    body = yaml.safe_dump({"version": "3.1", "stories": stories}, sort_keys=False, allow_unicode=True, width=120)
    write_atomic(stories_file, STORIES_HEADER + body)
    return outcome


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.chmod(tmp, 0o644)   # mkstemp makes it private; training data is an ordinary project file
    os.replace(tmp, path)
