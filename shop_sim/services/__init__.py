"""All writes to the shop. Each public function is ``<entity>_<action>(*, ...)``, runs in a
transaction, validates what forms cannot know (state moves, tenancy) and records a ``ShopEvent``
for every state change. Views parse input with forms and call these; checks only read."""
