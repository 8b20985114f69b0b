"""HTTP adapters (FastAPI): Slack's HTTP mode, the Jira webhook, the intake API and the web pages share one app."""
