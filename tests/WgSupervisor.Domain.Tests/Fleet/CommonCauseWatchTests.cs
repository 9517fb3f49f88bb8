using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Domain.Tests.Fleet;

public sealed class CommonCauseWatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static TunnelSettings Tunnel(string name, string? site = null, string? uplink = null) => new()
    {
        Name = name, Interface = "hub", PeerPublicKey = name, WgQuickConfig = "/etc/wireguard/hub.conf", Site = site, Uplink = uplink,
    };

    private static CommonCauseWatch Watch(params TunnelSettings[] tunnels)
    {
        var watch = new CommonCauseWatch(CommonCausePolicy.Default, "gw1");
        foreach (var tunnel in tunnels) watch.Enlist(tunnel);
        return watch;
    }

    [Fact]
    public void Three_of_four_tunnels_stale_within_the_window_share_the_nodes_cause_and_the_fourth_stale_one_joins_it()
    {
        var watch = Watch(Tunnel("a"), Tunnel("b"), Tunnel("c"), Tunnel("d"));

        Assert.Empty(watch.Observe("a", T0));
        Assert.Empty(watch.Observe("b", T0.AddSeconds(1)));
        var changes = watch.Observe("c", T0.AddSeconds(2));

        Assert.Equal(["a", "b", "c"], changes.Select(c => c.Tunnel));
        Assert.All(changes, c => Assert.Equal(new SharedCause("node gw1", 3, 4), c.Cause));
        Assert.Equal("underlay down for 3 of 4 tunnels of node gw1", watch.CauseOf("a")!.Describe());
        Assert.Null(watch.CauseOf("d"));
    }

    [Fact]
    public void Failures_further_apart_than_the_window_are_not_one_cause()
    {
        var watch = Watch(Tunnel("a"), Tunnel("b"), Tunnel("c"));

        watch.Observe("a", T0);
        watch.Observe("b", T0.AddSeconds(11));
        Assert.Empty(watch.Observe("c", T0.AddSeconds(22)));
        Assert.Null(watch.CauseOf("b"));
    }

    [Fact]
    public void Recoveries_end_the_shared_cause_for_those_still_stale()
    {
        var watch = Watch(Tunnel("a"), Tunnel("b"), Tunnel("c"), Tunnel("d"));
        foreach (var name in new[] { "a", "b", "c", "d" }) watch.Observe(name, T0);

        // Three of four still stale: still shared.
        Assert.DoesNotContain(watch.Observe("a", null), c => c.Cause is null && c.Tunnel != "a");
        var changes = watch.Observe("b", null);

        Assert.Equal([("c", (SharedCause?)null), ("d", null)], changes.Where(c => c.Tunnel is "c" or "d"));
    }

    [Fact]
    public void An_uplink_shared_by_few_tunnels_of_a_big_node_is_a_group_of_its_own()
    {
        var tunnels = Enumerable.Range(1, 10).Select(i => Tunnel($"t{i}", uplink: i <= 3 ? "isp-a" : "isp-b")).ToArray();
        var watch = Watch(tunnels);

        watch.Observe("t1", T0);
        watch.Observe("t2", T0);
        var changes = watch.Observe("t3", T0);

        Assert.All(changes, c => Assert.Equal(new SharedCause("uplink isp-a", 3, 3), c.Cause));
        Assert.Equal(3, changes.Count);
    }

    [Fact]
    public void A_site_with_too_few_tunnels_can_share_no_cause_and_its_first_repair_need_not_wait()
    {
        var watch = Watch(Tunnel("a", site: "berlin"), Tunnel("b", site: "berlin"));

        Assert.False(watch.CouldShareACause("a"));
        watch.Observe("a", T0);
        Assert.Empty(watch.Observe("b", T0));
    }

    [Fact]
    public void Disabled_it_never_names_a_cause()
    {
        var watch = new CommonCauseWatch(CommonCausePolicy.Off, "gw1");
        foreach (var name in new[] { "a", "b", "c" }) watch.Enlist(Tunnel(name));
        foreach (var name in new[] { "a", "b", "c" }) Assert.Empty(watch.Observe(name, T0));
        Assert.False(watch.CouldShareACause("a"));
    }

    [Fact]
    public void A_retired_tunnel_leaves_its_groups_and_can_end_their_cause()
    {
        var watch = Watch(Tunnel("a"), Tunnel("b"), Tunnel("c"));
        foreach (var name in new[] { "a", "b", "c" }) watch.Observe(name, T0);
        Assert.NotNull(watch.CauseOf("a"));

        var changes = watch.Retire("c");

        Assert.Equal([("a", (SharedCause?)null), ("b", null)], changes);
    }
}
