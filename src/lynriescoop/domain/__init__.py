"""Plain-Python core: entities, value objects, rules, events and errors. No framework imports."""
