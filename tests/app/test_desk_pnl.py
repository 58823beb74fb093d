"""Issue 14: the net position and P&L in the header, and one notice per order burst, against the
built-in exchange."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.market.formatting import fmt
from tests.app.conftest import wait_for, wait_ready


async def test_market_close_sweeping_levels_is_one_notice_with_pnl(sim, make_app, rest):
    app = make_app(sim, bell=True)
    bells: list[int] = []
    async with app.run_test(size=(160, 48)) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        await wait_ready(pilot, app)
        header = app.main.header
        # an opening MARKET buy that sweeps several ask levels
        order_id = await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.3"))
        fills = await rest.get_executions(order_id=order_id)
        assert len(fills) > 3, "the order should sweep several levels"
        tag = f"order {order_id}"
        await wait_for(
            pilot,
            lambda: any(tag in n for n in app.main.notices),
            f"fill notice {app.main.notices} {len(app.session.pnl)} {len(app.main.bursts)} {app.main._burst_due} {app.main.fills_seen}",
        )
        await pilot.pause(0.6)  # any straggler would have been told by now
        told = [n for n in app.main.notices if tag in n]
        assert len(told) == 1 and len(bells) == 1
        size = sum((f.size for f in fills), Decimal(0))
        assert told[0].startswith(f"Fill: BUY {size} BTC_JPY @ ")
        assert f"{len(fills)} fills" in told[0] and told[0].endswith("· opened")
        # the positions it opened are not told one by one
        assert not any(n.startswith("Position ") for n in app.main.notices)
        # the header: the net long, its average price, unrealised P&L at the touch
        await wait_for(pilot, lambda: header.net is not None and header.net.size == size, "net")
        positions = (await rest.get_open_positions("BTC_JPY")).list
        average = sum((p.price * p.size for p in positions), Decimal(0)) / size
        assert header.net.average_price == average
        assert header.net.unrealised is not None
        line = str(header.render())
        assert f"Pos +{size} @ {fmt(average, 0)}" in line and "uP&L " in line

        # a MARKET close of the whole size: one notice with the P&L net of fees
        bells.clear()
        close_id = await rest.close_bulk_order("BTC_JPY", "SELL", "MARKET", size)
        closes = await rest.get_executions(order_id=close_id)
        assert len(closes) > 3
        tag = f"order {close_id}"
        await wait_for(
            pilot,
            lambda: any(tag in n for n in app.main.notices),
            f"close notice {app.main.notices} {len(app.session.pnl)}",
        )
        await pilot.pause(0.6)
        told = [n for n in app.main.notices if tag in n]
        assert len(told) == 1 and len(bells) == 1
        net = sum((c.loss_gain - c.fee for c in closes), Decimal(0))
        assert f"closed, P&L {fmt(net, 0, sign=True)} JPY net of fees" in told[0]
        # flat now; today's realised P&L is the close's net minus the opening fees
        opening_fees = sum((f.fee for f in fills), Decimal(0))
        await wait_for(pilot, lambda: header.net is not None and header.net.size == 0, "flat")
        assert header.realised is not None and header.realised.net == net - opening_fees
        line = str(header.render())
        assert "Flat" in line and f"Today {fmt(net - opening_fees, 0, sign=True)} JPY" in line
        await app.shutdown()


async def test_header_keeps_position_at_80_columns(sim, make_app, rest):
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.05"))
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app)
        header = app.main.header
        await wait_for(
            pilot, lambda: header.net is not None and header.net.size == Decimal("0.05"), "net"
        )
        await wait_for(pilot, lambda: app.session.tickers.get("BTC_JPY"), "ticker")
        line = header.render()
        assert line.cell_len <= 80
        assert "Pos +0.05 @ " in str(line) and "uP&L" in str(line) and "Today" in str(line)
        await app.shutdown()


async def test_a_hedged_symbol_shows_both_legs_not_a_flat_net(sim, make_app, rest):
    """A long and a short of the same size net to zero, but two positions are open: the header
    says both legs (it said ``Pos +0.00``, as if flat), with their P&L."""
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.02"))
    await rest.place_order("BTC_JPY", "SELL", "MARKET", Decimal("0.02"))
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        header = app.main.header
        await wait_for(
            pilot,
            lambda: header.net is not None and header.net.long.size == header.net.short.size > 0,
            "both legs",
        )
        line = str(header.render())
        assert "Pos L 0.02 / S 0.02" in line and "uP&L" in line, line
        assert "+0.00" not in line and "Flat" not in line
        await app.shutdown()
