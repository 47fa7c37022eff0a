"""Every table, imported in one place so Alembic and tests see the whole schema.

This module is the one exception to "db knows no domain": it only gathers
models, and nothing in a domain imports it.
"""

from __future__ import annotations

# Imported for their side effect of registering tables on Base.metadata.
from darman.appointments import models as _appointments_models  # noqa: F401
from darman.audit import models as _audit_models  # noqa: F401
from darman.circulars import models as _circulars_models  # noqa: F401
from darman.claims import models as _claims_models  # noqa: F401
from darman.db.base import Base
from darman.performance import models as _performance_models  # noqa: F401
from darman.population import epidemic_models as _epidemic_models  # noqa: F401
from darman.population import models as _population_models  # noqa: F401
from darman.prescriptions import models as _prescriptions_models  # noqa: F401
from darman.procurement import models as _procurement_models  # noqa: F401
from darman.referrals import models as _referrals_models  # noqa: F401
from darman.registry import models as _registry_models  # noqa: F401
from darman.security import models as _security_models  # noqa: F401
from darman.synth import models as _synth_models  # noqa: F401

target_metadata = Base.metadata
