"""The exceptions of the pattern language.

Every one is a :class:`certherd.errors.ValidationError`, so the HTTP API answers them with
a 400 without knowing this package.
"""

from __future__ import annotations

from certherd.errors import ValidationError

__all__ = ["FilterPolicyError", "InputTransformError", "InvalidEventError", "PatternError"]


class PatternError(ValidationError):
    """An event pattern that EventBridge would reject.

    ``message`` (and ``str()``) is exactly AWS's reason text, the part that follows
    ``Event pattern is not valid. Reason: `` in an ``InvalidEventPatternException``.
    ``position`` is the character offset in the pattern text where the problem was found,
    when one is known (AWS prints it as a Jackson ``line``/``column``; it is not part of
    the reason).
    """

    code = "InvalidEventPatternException"

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position

    @property
    def aws_message(self) -> str:
        """The whole message AWS would send: ``Event pattern is not valid. Reason: ...``."""
        return f"Event pattern is not valid. Reason: {self.message}"


class FilterPolicyError(PatternError):
    """An SNS subscription filter policy (or its scope) that SNS would reject.

    ``message`` is SNS's reason (``Filter policy is too complex``, an event-ruler reason,
    ...). :meth:`api_message` gives the full ``InvalidParameter`` text SNS answers with.
    """

    code = "InvalidParameter"

    def __init__(
        self, message: str, *, position: int | None = None, attribute: str | None = "FilterPolicy"
    ) -> None:
        super().__init__(message, position=position)
        #: The attribute SNS names before the reason (``None`` for the scope error whose
        #: text stands alone).
        self.attribute = attribute

    def api_message(self, *, subscribe: bool = False) -> str:
        """The ``InvalidParameter`` message: via ``Subscribe`` (``subscribe=True``) SNS adds
        ``Attributes Reason:``; via ``SetSubscriptionAttributes`` it does not."""
        head = "Invalid parameter: Attributes Reason: " if subscribe else "Invalid parameter: "
        if self.attribute is None:
            return head + self.message
        return f"{head}{self.attribute}: {self.message}"

    @property
    def aws_message(self) -> str:
        return self.api_message()


class InvalidEventError(ValidationError):
    """An event that is not a JSON object (AWS: ``Parameter Event is not valid.``)."""

    code = "ValidationException"

    def __init__(self, message: str = "Parameter Event is not valid.") -> None:
        super().__init__(message)


class InputTransformError(ValidationError):
    """A target's Input, InputPath or InputTransformer that EventBridge would reject."""

    code = "ValidationException"
