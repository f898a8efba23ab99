"""The shell blocks of a Markdown document, and what its author said about each in an HTML comment before it.

A fenced block is a shell block when its info string is `console`, `sh`, `shell` or `bash`. A `console` block is a
transcript: `$ ` lines are commands, the lines after each are what it prints. Every shell block is either run by
tests/docs (a `console` block) or marked, in the Markdown source, as shown only:

    <!-- illustrative: needs a Codat account -->

An HTML comment renders as nothing, so the reader sees the block alone. A block may also get commands run before
it that the reader does not see (their output is not compared; each must exit 0):

    <!-- docs-test setup: why, on the rest of the line
    $ export CODAT_BASE_URL=...
    -->
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SHELL_LANGUAGES = {"console", "sh", "shell", "bash"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)\s*(?P<info>[^`\s]*)")
COMMENT = re.compile(r"<!--(?P<body>.*?)-->", re.DOTALL)
ILLUSTRATIVE = re.compile(r"^\s*illustrative:\s*(?P<why>\S.*?)\s*$", re.DOTALL)
SETUP = re.compile(r"^\s*docs-test setup:[^\n]*\n(?P<commands>.*)$", re.DOTALL)


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    text: str  # the block's content, fence indentation removed
    illustrative: str | None = None  # why it is only shown
    setup: list[str] = field(default_factory=list)  # hidden `$ ` commands run before it

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language == "console" and self.illustrative is None


def shell_blocks(path: Path) -> list[Block]:
    """Every shell block of the document, in order, with the comments that stand right before it."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    since_last = 0  # first line after the previous block: comments between it and a fence belong to the fence
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        indent, fence, language = len(opening["indent"]), opening["fence"], opening["info"].lower()
        end = number + 1
        while end < len(lines) and not lines[end].strip().startswith(fence[0] * len(fence)):
            end += 1
        if language in SHELL_LANGUAGES:
            block = Block(path, number + 1, language, "\n".join(line[indent:] for line in lines[number + 1:end]))
            _read_comments(block, "\n".join(lines[since_last:number]))
            blocks.append(block)
        number = since_last = end + 1
    return blocks


def _read_comments(block: Block, before: str) -> None:
    trailing = before.rstrip()
    while trailing.endswith("-->"):
        start = trailing.rfind("<!--")
        body = trailing[start + 4:-3]
        if marked := ILLUSTRATIVE.match(body):
            block.illustrative = " ".join(marked["why"].split())
        elif setup := SETUP.match(body):
            block.setup = commands_of(setup["commands"])
        trailing = trailing[:start].rstrip()


def commands_of(text: str) -> list[str]:
    """The `$ ` commands of a hidden setup comment (no output is shown there)."""
    return [step.command for step in transcript(text)]


@dataclass
class Step:
    command: str
    expected: str  # what the block shows it printing ("" when nothing)
    line: int  # offset of the `$ ` line inside the block


HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>[A-Za-z_][A-Za-z0-9_]*)\1")


def transcript(text: str) -> list[Step]:
    """A console block as commands and what each prints. A command goes on over the next lines while it is not
    complete: a trailing backslash, an open here-document, or a compound command (for ... done) still open."""
    lines = text.split("\n")
    steps: list[Step] = []
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            if steps:
                steps[-1].expected += lines[index] + "\n"
            elif lines[index].strip():
                raise ValueError(f"line {index + 1} of a console block is output before any `$ ` command")
            index += 1
            continue
        start = index
        command = [lines[index][2:]]
        index += 1
        while index < len(lines) and _open(command):
            command.append(lines[index])
            index += 1
        steps.append(Step("\n".join(command), "", start))
    for step in steps:
        step.expected = step.expected.rstrip("\n")
    return steps


def _open(command: list[str]) -> bool:
    if command[-1].endswith("\\"):
        return True
    code: list[str] = []  # the lines that are shell code, here-document bodies left out
    ending = None
    for line in command:
        if ending is not None:
            ending = None if line.strip() == ending else ending
            continue
        code.append(line)
        heredoc = HEREDOC.search(line)
        ending = heredoc["word"] if heredoc else None
    return ending is not None or _unbalanced("\n".join(code))


KEYWORDS = {"for": "done", "while": "done", "until": "done", "if": "fi", "case": "esac"}


def _unbalanced(text: str) -> bool:
    """A compound command still open: more `for`/`while`/`if`/`case` words than their closing words."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "''", text)
    code = re.sub(r"(^|\s)#.*$", "", unquoted, flags=re.MULTILINE)
    words = re.findall(r"(?:^|[\s;(])(for|while|until|if|case|done|fi|esac)(?=[\s;)]|$)", code, re.MULTILINE)
    depth = 0
    for word in words:
        depth += 1 if word in KEYWORDS else -1
    return depth > 0
