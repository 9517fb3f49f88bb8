using Akka.Actor;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// What the admin API's list asks of the roster: filters and pages taken in the roster (by name, from a page's first name,
/// stopping once it is full), a version that moves with every change, and the count of tunnels still recovering.
/// </summary>
public sealed class TunnelQuerySpecs
{
    private const string Node = "gw1";

    private readonly TunnelRoster _roster = new();

    public TunnelQuerySpecs()
    {
        foreach (var (name, site) in new[] { ("t5", "paris"), ("t1", "berlin"), ("t3", "berlin"), ("t2", "paris"), ("t4", "berlin") })
        {
            var settings = Tunnel(name, site);
            _roster.Enlist(settings, new StandIn(name), TunnelSummary.NotYetObserved(settings, Node));
            _roster.RecordSummary(_roster.Find(name)!.Summary with { Phase = TunnelPhase.Healthy, Recovering = false });
        }
    }

    [Fact]
    public void Pages_come_in_name_order_from_after_the_given_name_and_say_whether_more_match()
    {
        var first = _roster.Select(new TunnelQuery(Limit: 2));
        var second = _roster.Select(new TunnelQuery(After: "t2", Limit: 2));
        var last = _roster.Select(new TunnelQuery(After: "t4", Limit: 2));
        var pastAll = _roster.Select(new TunnelQuery(After: "zz", Limit: 2));

        Assert.Equal("t1 t2 +", Page(first));
        Assert.Equal("t3 t4 +", Page(second));
        Assert.Equal("t5", Page(last));
        Assert.Equal("", Page(pastAll));
        // A name that is no tunnel's still places the page: it starts after where that name would be.
        Assert.Equal(["t3", "t4", "t5"], Names(_roster.Select(new TunnelQuery(After: "t2a")).Summaries));
    }

    [Fact]
    public void Filters_select_by_site_node_and_shown_state_and_a_page_of_a_filter_counts_only_matches()
    {
        _roster.RecordSummary(_roster.Find("t3")!.Summary with { Phase = TunnelPhase.Stale });
        _roster.RecordSummary(_roster.Find("t4")!.Summary with { Phase = TunnelPhase.Stale, Recovering = true });

        Assert.Equal(["t1", "t3", "t4"], Names(_roster.Select(new TunnelQuery(Site: "berlin")).Summaries));
        // t4 is recovering: it is shown as recovering, not in the phase its journal gave it.
        Assert.Equal(["t3"], Names(_roster.Select(new TunnelQuery(Phase: TunnelPhase.Stale)).Summaries));
        Assert.Equal(["t4"], Names(_roster.Select(new TunnelQuery(Recovering: true)).Summaries));
        Assert.Empty(_roster.Select(new TunnelQuery(Node: "gw2")).Summaries);
        var page = _roster.Select(new TunnelQuery(Site: "berlin", After: "t1", Limit: 1));
        Assert.Equal("t3 +", Page(page));
    }

    [Fact]
    public void The_version_moves_with_every_summary_enlistment_and_retirement_and_not_with_a_retired_tunnels_report()
    {
        var versions = new List<long> { _roster.Version };
        _roster.RecordSummary(_roster.Find("t1")!.Summary with { RxBytes = 1 });
        versions.Add(_roster.Version);
        _roster.Enlist(Tunnel("t6", null), new StandIn("t6"), TunnelSummary.NotYetObserved(Tunnel("t6", null), Node));
        versions.Add(_roster.Version);
        var retired = _roster.Retire("t2")!.Summary;
        versions.Add(_roster.Version);
        Assert.False(_roster.RecordSummary(retired));

        Assert.Equal(versions.Distinct().Count(), versions.Count);
        Assert.Equal(versions[^1], _roster.Version);
        Assert.Equal(["t1", "t3", "t4", "t5", "t6"], Names(_roster.Select(TunnelQuery.All).Summaries));
    }

    [Fact]
    public void Recovering_tunnels_are_counted_as_they_enlist_report_and_retire()
    {
        Assert.Equal(0, _roster.RecoveringCount);
        _roster.Enlist(Tunnel("t6", null), new StandIn("t6"), TunnelSummary.NotYetObserved(Tunnel("t6", null), Node));
        _roster.Enlist(Tunnel("t7", null), new StandIn("t7"), TunnelSummary.NotYetObserved(Tunnel("t7", null), Node));
        Assert.Equal(2, _roster.RecoveringCount);
        Assert.Equal(["t6", "t7"], _roster.Recovering);

        _roster.RecordSummary(_roster.Find("t6")!.Summary with { Recovering = false });
        _roster.Retire("t7");
        _roster.RecordSummary(_roster.Find("t1")!.Summary with { Recovering = true });

        Assert.Equal(1, _roster.RecoveringCount);
        Assert.Equal(["t1"], _roster.Recovering);
    }

    /// <summary>"t1 t2 +": the page's names, and "+" when more match past it.</summary>
    private static string Page((IReadOnlyList<TunnelSummary> Summaries, bool More) page) =>
        string.Join(' ', Names(page.Summaries).Concat(page.More ? ["+"] : []));

    private static List<string> Names(IReadOnlyList<TunnelSummary> summaries) => summaries.Select(s => s.Name).ToList();

    private static TunnelSettings Tunnel(string name, string? site) => new()
    {
        Name = name,
        Interface = "wg-" + name,
        PeerPublicKey = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(name.PadRight(32, '='))[..32]),
        WgQuickConfig = $"/etc/wireguard/{name}.conf",
        Site = site,
    };

    /// <summary>An actor reference that is only compared, never sent to (the roster never sends).</summary>
    private sealed class StandIn(string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "query-specs")) / name;
        public override IActorRefProvider Provider => throw new NotSupportedException("a stand-in has no provider");
    }
}
