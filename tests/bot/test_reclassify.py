"""`/incident type` and `/incident jurisdiction` in an incident's channel: the change is posted, the steps it
adds are in `/incident tasks` and on the card, and mistakes are answered to the person alone."""

from __future__ import annotations

from tests.bot.conftest import BotUnderTest

REASON = "the account holder is 14"


def test_a_scam_typed_as_child_safety_gets_its_steps_in_the_channel(bot: BotUnderTest) -> None:
    ref, channel = bot.declare("SEV1 type:fraud_scam tier:highly_restricted Gift-card scam aimed at a teenage host")
    steps = [s.text for s in bot.domain.policy.playbooks["child_safety"].steps]

    reply = bot.reply(bot.command(f"type child_safety {REASON}", channel=channel.id))
    assert reply.startswith(f"{ref}: types fraud_scam → child_safety.\n• Clock started: US 18 U.S.C. 2258A report")
    assert reply.endswith(f"• {len(steps)} playbook steps added: `/incident tasks` lists them.")
    bot.settle()
    posted = [m.text for m in bot.emu.messages(channel.id)]
    assert any(f"Reclassified (types fraud_scam → child_safety): {REASON}" in (t or "") for t in posted)
    assert f"0/{len(steps)} steps" in " ".join(str(m.blocks) for m in bot.emu.messages(channel.id))

    asked = bot.command("tasks", channel=channel.id)
    listing = bot.wait_for(lambda: bot.emu.replies_to(asked))[0]
    assert listing.response_type == "ephemeral"
    assert all(text.replace("&", "&amp;") in str(listing.blocks) for text in steps)

    again = bot.reply(bot.command("type child_safety, fraud_scam both at once", channel=channel.id))
    assert again == f"{ref}: types child_safety → child_safety, fraud_scam."  # no step, no clock twice
    assert bot.incident(ref).jurisdictions == []
    assert "jurisdictions all → US" in bot.reply(bot.command("jurisdiction us the host is in Ohio", channel=channel.id))


def test_mistakes_are_answered_to_the_person_alone(bot: BotUnderTest) -> None:
    ref, channel = bot.declare()
    for text, words in (
        ("type wizardry because", "Unknown incident type 'wizardry'"),
        ("type child_safety a minor", f"raise its tier first with `vigil tier {ref} highly_restricted"),
        ("type fraud_scam same as before", f"{ref} is already of type fraud_scam."),
        ("type child_safety", "Say why the types change"),
        ("jurisdiction", "Give the incident's jurisdictions from now on, and why."),
        ("jurisdiction mars it moved", "Unknown jurisdiction 'MARS': use one of AU, BR, EU, IN, US."),
    ):
        ack = bot.command(text, channel=channel.id)
        reply = bot.reply(ack)
        assert words in reply and "\n" not in reply, (text, reply)
        shown = [r.response_type for r in bot.emu.replies_to(ack)]
        assert shown in ([], ["ephemeral"]), "refusals ride on the ack or go to the person alone"
    assert bot.incident(ref).type_names == ["fraud_scam"]
    assert "works in an incident's channel" in bot.reply(bot.command("type child_safety why"))
    shown_help = str(bot.command("help", channel=channel.id).payload)
    assert "/incident type &lt;type&gt;[,&lt;type&gt;...] &lt;reason&gt;" in shown_help
    assert "/incident jurisdiction &lt;code&gt;[,&lt;code&gt;...] &lt;reason&gt;" in shown_help
