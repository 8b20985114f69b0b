"""Slack Web API rate limits: calls per minute per workspace per app (per channel for chat.postMessage).

Tiers 1/2/3/4 = 1/20/50/100 per minute. Source: Slack's published tiers as tabulated in
slackapi/java-slack-sdk MethodsRateLimits (MIT) and https://docs.slack.dev/apis/web-api/rate-limits.
"""

PER_MINUTE: dict[str, int] = {
    "apps.connections.open": 1,
    "auth.test": 600,
    "bookmarks.add": 20,
    "bookmarks.edit": 20,
    "canvases.create": 20,
    "canvases.edit": 50,
    "conversations.canvases.create": 20,
    "chat.delete": 50,
    "chat.getPermalink": 600,
    "chat.postEphemeral": 100,
    "chat.update": 50,
    "conversations.archive": 20,
    "conversations.create": 20,
    "conversations.history": 50,
    "conversations.info": 50,
    "conversations.invite": 50,
    "conversations.join": 50,
    "conversations.kick": 50,
    "conversations.list": 20,
    "conversations.members": 100,
    "conversations.rename": 20,
    "conversations.replies": 50,
    "conversations.setPurpose": 20,
    "conversations.setTopic": 20,
    "conversations.unarchive": 20,
    "files.completeUploadExternal": 100,
    "files.getUploadURLExternal": 100,
    "pins.add": 20,
    "pins.remove": 20,
    "reactions.add": 50,
    "usergroups.users.list": 20,
    "users.info": 100,
    "users.list": 20,
    "users.lookupByEmail": 50,
    "views.open": 100,
    "views.publish": 100,
    "views.push": 100,
    "views.update": 100,
}

PER_CHANNEL_PER_MINUTE: dict[str, int] = {
    "chat.postMessage": 60,
}
