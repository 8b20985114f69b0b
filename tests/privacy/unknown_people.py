"""Names no detector could know for a person's: made-up words and gamer tags, written as people write names.

They go in fields that hold a person by definition (who reported a note, a report's reporter): only the structure of
such a field can keep them from leadership, so a leak there cannot hide behind a detector that happened to know the
name.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.privacy.pii import Planted

_SYLLABLES = ("zor", "quin", "blet", "mere", "vox", "thid", "rune", "kesh", "dov", "ulm", "frix", "wyn", "sorb", "neth")
"""Each has a vowel other than "a", so no word the other strategies make contains one."""


def _coined(syllables: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_SYLLABLES), min_size=syllables, max_size=syllables).map("".join)


@st.composite
def unknown_people(draw: st.DrawFn) -> Planted:
    first, last = draw(_coined(2)), draw(_coined(3))
    tag = f"xX{first.capitalize()}{last.capitalize()}Xx"
    form = draw(
        st.sampled_from(
            [
                f"{first} {last}",
                f"{first.capitalize()} {last.capitalize()}",
                f"{last.upper()}, {first.capitalize()}",
                f"{first.capitalize()} {last[0].upper()}. {last.capitalize()}",
                f"{first.capitalize()}-{last.capitalize()}",
                tag,
                f"{tag}#{draw(st.integers(1000, 9999))}",
            ]
        )
    )
    secrets = (form, tag) if tag in form else (form, first, last)
    return Planted("unknown_person", form, secrets)
