from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from darman.db.uow import UnitOfWork
from tests.integration.referrals.world import World, build


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    with UnitOfWork(session_factory) as uow:
        w = build(uow.session)
        uow.commit()
    return w
