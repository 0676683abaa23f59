"""Config dicts for the small Keras objects (initializers, regularizers, constraints).

They use Keras 3's format, ``{"module", "class_name", "config", "registered_name"}``, and
are resolved back by class name (built-in tables first, then registered custom objects).
"""


def serialize_obj(obj, module):
    cls = type(obj)
    registered = None
    try:
        from ndflow.keras.saving import registry
        registered = registry.get_registered_name(cls)
        if registered == cls.__name__:
            registered = None
    except (ImportError, AttributeError):
        pass
    return {"module": module if registered is None else None, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": registered}


def lookup_custom(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:
        from ndflow.keras.saving import registry
        return registry.get_registered_object(name, custom_objects)
    except (ImportError, AttributeError):
        return None


def resolve(identifier, table, kind, custom_objects=None, aliases=None):
    """Turn a name or config dict into an instance of a class from ``table``."""
    aliases = aliases or {}
    if isinstance(identifier, dict):
        name = identifier.get("registered_name") or identifier.get("class_name")
        config = identifier.get("config") or {}
        cls = table.get(identifier.get("class_name")) or lookup_custom(name, custom_objects)
        if cls is None:
            cls = lookup_custom(identifier.get("class_name"), custom_objects)
        if cls is None:
            raise ValueError("Unknown %s %r in a config. Known: %s. Register a custom class "
                             "with keras.utils.register_keras_serializable() or pass it in "
                             "custom_objects." % (kind, name, ", ".join(sorted(table))))
        if hasattr(cls, "from_config"):
            return cls.from_config(config)
        return cls(**config)
    if isinstance(identifier, str):
        cls = table.get(identifier) or aliases.get(identifier) or aliases.get(
            identifier.lower())
        if cls is None:
            cls = lookup_custom(identifier, custom_objects)
        if cls is None:
            raise ValueError("Unknown %s %r. Valid names are: %s." % (
                kind, identifier, ", ".join(sorted(aliases))))
        return cls() if isinstance(cls, type) else cls
    raise TypeError("Could not interpret %s identifier %r." % (kind, identifier))
