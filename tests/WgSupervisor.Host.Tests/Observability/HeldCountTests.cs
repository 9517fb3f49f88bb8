using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Observability;
using Xunit;

namespace WgSupervisor.Domain.Tests.Observability;

/// <summary>The count behind wgsupervisor_tunnels_held{node, cause}, kept from the summaries as they change.</summary>
public sealed class HeldCountTests
{
    private static readonly string[] HoldCauses = ["site-unreachable", "underlay-down"];

    [Fact]
    public void A_node_seen_first_gets_a_zero_for_every_cause_a_hold_names()
    {
        var count = new HeldCount();

        var changed = count.Update(Summaries.Of("berlin", TunnelPhase.Healthy), HoldCauses);

        Assert.Equal([("gw1", "site-unreachable", 0), ("gw1", "underlay-down", 0)], changed);
        Assert.Empty(count.Update(Summaries.Of("berlin", TunnelPhase.Healthy), HoldCauses));
    }

    [Fact]
    public void Held_tunnels_are_counted_by_cause_and_leave_the_count_when_the_hold_ends()
    {
        var count = new HeldCount();
        count.Update(Summaries.Of("berlin", TunnelPhase.Healthy), HoldCauses);

        count.Update(Summaries.Of("berlin", TunnelPhase.Held, cause: "underlay-down"), HoldCauses);
        var second = count.Update(Summaries.Of("paris", TunnelPhase.Held, cause: "underlay-down"), HoldCauses);
        var moved = count.Update(Summaries.Of("paris", TunnelPhase.Held, cause: "site-unreachable"), HoldCauses);
        var over = count.Update(Summaries.Of("berlin", TunnelPhase.Stale), HoldCauses);

        Assert.Equal([("gw1", "underlay-down", 2)], second);
        Assert.Equal([("gw1", "underlay-down", 1), ("gw1", "site-unreachable", 1)], moved);
        Assert.Equal([("gw1", "underlay-down", 0)], over);
    }

    [Fact]
    public void A_hold_without_a_reported_cause_counts_as_unknown_and_a_retired_tunnel_no_longer_counts()
    {
        var count = new HeldCount();
        count.Update(Summaries.Of("berlin", TunnelPhase.Held), HoldCauses);

        var retired = count.Forget("gw1", "berlin");

        Assert.Equal(("gw1", HeldCount.UnknownCause, 0), retired);
        Assert.Null(count.Forget("gw1", "berlin"));
    }

    [Fact]
    public void Nodes_are_counted_apart()
    {
        var count = new HeldCount();
        count.Update(Summaries.Of("berlin", TunnelPhase.Held, node: "gw1", cause: "underlay-down"), HoldCauses);

        var other = count.Update(Summaries.Of("berlin", TunnelPhase.Held, node: "gw2", cause: "underlay-down"), HoldCauses);

        Assert.Contains(("gw2", "underlay-down", 1), other);
    }
}
