"""``__in`` lookups on integer columns that ignore values no 64-bit column can hold.

Django already answers "no rows" for ``pk=<a 24-digit number>`` (its exact and range lookups check
the column's range), but ``pk__in=[<24 digits>]`` reaches the database, where SQLite raises
``OverflowError`` and PostgreSQL an out-of-range error: a 500 from any multiple-choice form field
or id list a user sends. Such a value can never match, so it is dropped before the query is built
(an empty list matches nothing, as usual). Registered in ``CoreConfig.ready``.
"""

from __future__ import annotations

from django.db.models import ForeignKey, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _InRange:
    def _column_range(self, connection) -> tuple[int | None, int | None]:
        field = self.lhs.output_field
        while getattr(field, "target_field", None) is not None:  # a foreign key: its target's
            field = field.target_field
        if not isinstance(field, IntegerField):
            return None, None
        try:
            return connection.ops.integer_field_range(field.get_internal_type())
        except KeyError:
            return None, None

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = self._column_range(connection)
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(_InRange, In):
    pass


class RelatedIntegerIn(_InRange, RelatedIn):
    pass


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignKey.register_lookup(RelatedIntegerIn)
