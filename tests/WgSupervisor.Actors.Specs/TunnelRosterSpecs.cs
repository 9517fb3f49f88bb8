using Akka.Actor;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tunnels;
using Xunit;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// The fleet's roster on its own (no actor system: the actor references are stand-ins that are never sent to):
/// enlisting, looking up, retiring in one step, re-enlisting after a stop, unique names, deduplicated publication.
/// </summary>
public sealed class TunnelRosterSpecs
{
    private const string Node = "gw1";

    private readonly TunnelRoster _roster = new();

    [Fact]
    public void An_enlisted_tunnel_is_found_by_name_by_key_and_by_actor_and_starts_as_not_yet_observed()
    {
        var actor = new StandIn("t1");
        var settings = Tunnel("t1", site: "berlin");

        _roster.Enlist(settings, actor, TunnelSummary.NotYetObserved(settings, Node));

        var entry = _roster.Find("t1");
        Assert.NotNull(entry);
        Assert.Equal((settings, (IActorRef)actor, TunnelPhase.Unknown), (entry.Settings, entry.Actor, entry.Summary.Phase));
        Assert.True(_roster.Contains(settings.Key));
        Assert.Same(entry, _roster.FindByActor(actor));
        Assert.Null(_roster.FindByActor(new StandIn("elsewhere")));
        Assert.Null(_roster.Find("t2"));
    }

    [Fact]
    public void Summaries_sites_and_namespaces_come_in_name_order()
    {
        foreach (var (name, site, ns) in new[] { ("t3", "berlin", null), ("t1", "berlin", "lab"), ("t2", "paris", null) })
            Enlist(Tunnel(name, site, ns));

        Assert.Equal(["t1", "t2", "t3"], _roster.Summaries.Select(s => s.Name));
        Assert.Equal(["t1", "t3"], _roster.OfSite("berlin").Select(e => e.Name));
        Assert.Empty(_roster.OfSite("rome"));
        Assert.Equal(["t2", "t3"], _roster.InNamespace(null).Select(e => e.Name));
        Assert.Equal(["t1"], _roster.InNamespace("lab").Select(e => e.Name));
    }

    [Fact]
    public void Retiring_forgets_the_tunnel_its_key_summary_history_and_publication_in_one_step()
    {
        var settings = Tunnel("t1");
        Enlist(settings);
        Enlist(Tunnel("t2"));
        _roster.RecordSummary(_roster.Find("t1")!.Summary with { Phase = TunnelPhase.Stale });
        _roster.RecordHistory("t1", new HistoryBacklog(5, "journal unavailable"));
        _roster.RecordHistory("t2", new HistoryBacklog(2, null));
        _roster.MarkPublished("t1", _roster.Find("t1")!.Summary);
        Assert.Equal((7, 1), (_roster.PendingHistoryEvents, _roster.HistoryProblems.Count));

        var retired = _roster.Retire("t1");

        Assert.Equal(TunnelPhase.Stale, retired!.Summary.Phase);
        Assert.Null(_roster.Find("t1"));
        Assert.False(_roster.Contains(settings.Key));
        Assert.Equal(["t2"], _roster.Summaries.Select(s => s.Name));
        Assert.Equal((2, 0), (_roster.PendingHistoryEvents, _roster.HistoryProblems.Count));
        // A retired tunnel may still report once: nothing of it comes back.
        Assert.False(_roster.RecordSummary(retired.Summary));
        Assert.False(_roster.RecordHistory("t1", new HistoryBacklog(1, null)));
        Assert.Equal(1, _roster.Count);
        Assert.Null(_roster.Retire("t1"));
    }

    [Fact]
    public void A_tunnel_enlisted_again_with_a_new_actor_keeps_what_it_last_reported()
    {
        var settings = Tunnel("t1");
        Enlist(settings);
        var reported = _roster.Find("t1")!.Summary with { Phase = TunnelPhase.Backoff, RepairCount = 3 };
        _roster.RecordSummary(reported);
        _roster.RecordHistory("t1", new HistoryBacklog(4, null));
        var restarted = new StandIn("t1-again");

        _roster.Enlist(settings, restarted, TunnelSummary.NotYetObserved(settings, Node));

        var entry = _roster.Find("t1")!;
        Assert.Same(restarted, entry.Actor);
        Assert.Equal(reported, entry.Summary);
        Assert.Equal(4, _roster.PendingHistoryEvents);
        Assert.Equal(1, _roster.Count);
    }

    [Fact]
    public void A_name_taken_gets_the_first_free_numbered_suffix_within_64_characters()
    {
        Enlist(Tunnel("wg0.1a2b3c4d"));
        Enlist(Tunnel("wg0.1a2b3c4d-2"));
        var longName = new string('a', 64);
        Enlist(Tunnel(longName));

        Assert.Equal("free", _roster.UniqueName("free"));
        Assert.Equal("wg0.1a2b3c4d-3", _roster.UniqueName("wg0.1a2b3c4d"));
        Assert.Equal(new string('a', 60) + "-2", _roster.UniqueName(longName));
    }

    [Fact]
    public void Publication_is_marked_only_when_what_matters_changed()
    {
        Enlist(Tunnel("t1"));
        var summary = _roster.Find("t1")!.Summary;

        Assert.True(_roster.MarkPublished("t1", summary));
        Assert.False(_roster.MarkPublished("t1", summary));
        Assert.True(_roster.MarkPublished("t1", summary with { Phase = TunnelPhase.Stale }));
        Assert.False(_roster.MarkPublished("t9", summary));
    }

    private void Enlist(TunnelSettings settings) =>
        _roster.Enlist(settings, new StandIn(settings.Name), TunnelSummary.NotYetObserved(settings, Node));

    private static TunnelSettings Tunnel(string name, string? site = null, string? ns = null) => new()
    {
        Name = name,
        Interface = "wg-" + name[..Math.Min(name.Length, 8)],
        PeerPublicKey = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(name.PadRight(32, '='))[..32]),
        WgQuickConfig = $"/etc/wireguard/{name}.conf",
        Site = site,
        Namespace = ns,
    };

    /// <summary>An actor reference that is only compared, never sent to (the roster never sends).</summary>
    private sealed class StandIn(string name) : MinimalActorRef
    {
        public override ActorPath Path { get; } = new RootActorPath(new Address("akka", "roster-specs")) / name;
        public override IActorRefProvider Provider => throw new NotSupportedException("a stand-in has no provider");
    }
}
