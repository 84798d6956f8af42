"""How much of a conversation Rasa's policies and our actions see: one limit for both.

`tracker.events` is cut. In a custom action (and in Rasa's policies), it does not hold the whole
conversation: at least the last `HISTORY_USER_MESSAGES` user messages with what followed them,
preceded by events that restore the state from before (slots, active form, pause); never more than
2 × `HISTORY_USER_MESSAGES` user messages. The action server gets exactly the events from the
`HISTORY_USER_MESSAGES`-th latest user message on (bot/action_payload.py); the slots, the latest
message and the active form are always whole. An action that must look further back than
`HISTORY_USER_MESSAGES` user messages should keep what it needs in a slot. The full conversation
stays in the tracker store's `events` table (the coordinators' console, Rasa's HTTP API).
"""

HISTORY_USER_MESSAGES = 10
