using Akka.Actor;
using Akka.TestKit;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Fleet.FleetProtocol;
using static WgSupervisor.Actors.Observation.PollerActor;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// Discovery through the fleet, on virtual time (README "Discovery"): every peer of a watched interface is
/// supervised with the defaults, also peers that appear while running; a discovered peer that disappears from both
/// the interface and its conf is retired with an event, one still declared in its conf is repaired instead, and a
/// configured tunnel is never retired. Snapshots are sent by hand, as the poller would send them.
/// </summary>
public sealed class DiscoverySpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Node = "gw1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly FakeWireGuard _wireGuard = new();
    private readonly TestProbe _asker;
    private readonly MessageLog _recorded;

    public DiscoverySpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(DiscoverySpecs), output)
    {
        _asker = CreateTestProbe("admin");
        _wireGuard.Calls = CreateTestProbe("wireguard-calls").Ref;
        var recorded = CreateTestProbe("recorded-events");
        Sys.EventStream.Subscribe(recorded.Ref, typeof(TunnelProtocol.EventRecorded));
        _recorded = new MessageLog(recorded);
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    private DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    private static readonly TunnelSettings Template = new()
    {
        Name = "discovered",
        Interface = "wg0",
        PeerPublicKey = "",
        WgQuickConfig = "/etc/wireguard/wg0.conf",
        Discovered = true,
        StaleAfter = TimeSpan.FromSeconds(150),
        VerifyTimeout = TimeSpan.FromSeconds(20),
        Backoff = new BackoffPolicy(TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromMinutes(5)),
        Ladder = [RepairRung.ResetPeer, RepairRung.RestartInterface],
    };

    [Fact]
    public void Every_peer_of_a_watched_interface_is_supervised_with_the_defaults_and_a_peer_added_while_running_is_picked_up()
    {
        var fleet = StartFleet(_wireGuard);
        Assert.Empty(Tunnels(fleet));

        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow), (Key(2), VirtualNow))));

        var first = NameOf("hub0", Key(1));
        var second = NameOf("hub0", Key(2));
        Assert.Equal("hub0.01010101", first);
        AwaitAssert(() => Assert.All(new[] { first, second }, n => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, n).Phase)), Wait);
        var found = Tunnel(fleet, first);
        Assert.Equal(("hub0", Key(1), Node), (found.Interface, found.PeerPublicKey, found.Node));

        Clock.Advance(TimeSpan.FromSeconds(5));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow), (Key(2), VirtualNow), (Key(3), VirtualNow))));

        var third = NameOf("hub0", Key(3));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, third).Phase), Wait);
        Assert.Equal([first, second, third], Tunnels(fleet).Select(t => t.Name));
        // Supervised like any other: when its peer stops handshaking, it is repaired with the defaults' ladder.
        var handshake = VirtualNow;
        Clock.Advance(Template.StaleAfter + TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow), (Key(2), VirtualNow), (Key(3), handshake))));
        // Three tunnels on one node could share a cause: the first peer repair waits a moment to see whether the others fail too.
        AwaitAssert(() => Assert.Equal(TunnelPhase.Stale, Tunnel(fleet, third).Phase), Wait);
        Clock.Advance(CommonCausePolicy.DefaultSettle);
        AwaitAssert(() => Assert.Contains(_wireGuard.Repairs, r => r.Tunnel == third), Wait);
        Assert.Equal(RepairRung.ResetPeer, _wireGuard.Repairs.Single(r => r.Tunnel == third).Rung);
    }

    [Fact]
    public void A_discovered_peer_gone_from_the_interface_and_its_conf_is_retired_with_an_event_and_gone_from_the_list()
    {
        var fleet = StartFleet(_wireGuard);
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow), (Key(2), VirtualNow))));
        var stays = NameOf("hub0", Key(1));
        var leaves = NameOf("hub0", Key(2));
        AwaitAssert(() => Assert.All(new[] { stays, leaves }, n => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, n).Phase)), Wait);
        var leaving = ActorOf(fleet, leaves);
        var watcher = CreateTestProbe();
        watcher.Watch(leaving);

        Clock.Advance(TimeSpan.FromSeconds(5));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));

        var retired = _recorded.Expect<TunnelProtocol.EventRecorded>(r => r.Event is TunnelRetired, hint: "retired").Event;
        Assert.Equal(new TunnelRetired(VirtualNow, "its peer was removed from the interface"), retired);
        Assert.Equal(leaves, _recorded.All.OfType<TunnelProtocol.EventRecorded>().Single(r => r.Event is TunnelRetired).Tunnel);
        Assert.Equal([stays], Tunnels(fleet).Select(t => t.Name));
        Assert.Equal(new TunnelNotFound(leaves), Ask<TunnelNotFound>(fleet, new GetTunnel(leaves)));
        // Its actor stops once the retirement is written; nothing was repaired on the way out.
        watcher.ExpectTerminated(leaving, Wait);
        Assert.Empty(_wireGuard.Repairs);
        Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, stays).Phase);
    }

    [Fact]
    public void A_retired_peer_that_comes_back_after_its_retirement_is_written_is_supervised_again()
    {
        var fleet = StartFleet(_wireGuard);
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));
        var name = NameOf("hub0", Key(1));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase), Wait);
        var retiring = ActorOf(fleet, name);
        var history = ChildOf(fleet, "history-" + Uri.EscapeDataString(name));
        var watcher = CreateTestProbe();
        watcher.Watch(retiring);
        watcher.Watch(history);
        Clock.Advance(TimeSpan.FromSeconds(5));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0")));
        _recorded.Expect<TunnelProtocol.EventRecorded>(r => r.Event is TunnelRetired, hint: "retired");
        // Retiring ends with both the tunnel actor and its history stopped (the history once its events are written).
        var stopped = new[] { watcher.ExpectMsg<Terminated>(Wait).ActorRef, watcher.ExpectMsg<Terminated>(Wait).ActorRef };
        Assert.Equal(new[] { retiring, history }.OrderBy(a => a.Path.ToString()), stopped.OrderBy(a => a.Path.ToString()));

        Clock.Advance(TimeSpan.FromSeconds(5));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));

        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase), Wait);
        Assert.Equal([name], Tunnels(fleet).Select(t => t.Name));
        Assert.NotEqual(retiring, ActorOf(fleet, name));
    }

    [Fact]
    public void A_retired_peer_that_comes_back_at_the_very_next_poll_is_supervised_again_once_its_old_actors_have_stopped()
    {
        var fleet = StartFleet(_wireGuard);
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow), (Key(2), VirtualNow))));
        var name = NameOf("hub0", Key(1));
        var neighbour = NameOf("hub0", Key(2));
        AwaitAssert(() => Assert.All(new[] { name, neighbour }, n => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, n).Phase)), Wait);
        var before = ActorOf(fleet, name);
        var neighbourBefore = ActorOf(fleet, neighbour);

        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(2), VirtualNow))));
        // Polls keep coming while the retired actors stop; none of them may reuse a name that is still taken.
        AwaitAssert(() =>
        {
            fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow), (Key(2), VirtualNow))));
            Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase);
        }, Wait, TimeSpan.FromMilliseconds(100));

        Assert.NotEqual(before, ActorOf(fleet, name));
        // A fleet that crashed on a taken name would have been restarted with new children.
        Assert.Equal(neighbourBefore, ActorOf(fleet, neighbour));
        Assert.Single(Tunnels(fleet), t => t.Name == name);
        Assert.Equal(name, _recorded.Expect<TunnelProtocol.EventRecorded>(r => r.Event is TunnelRetired, hint: "retired").Tunnel);
    }

    [Fact]
    public void Discovered_peers_of_an_interface_that_is_gone_are_retired_when_their_conf_does_not_declare_them()
    {
        var fleet = StartFleet(_wireGuard);
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));
        var name = NameOf("hub0", Key(1));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase), Wait);

        fleet.Tell(new NamespaceObserved(NamespaceSnapshot.Empty(null, VirtualNow)));

        var retired = _recorded.Expect<TunnelProtocol.EventRecorded>(r => r.Event is TunnelRetired, hint: "retired");
        Assert.Equal((name, "its interface is gone"), (retired.Tunnel, ((TunnelRetired)retired.Event).Reason));
        Assert.Empty(Tunnels(fleet));
        Assert.Empty(_wireGuard.Repairs);
    }

    [Fact]
    public void A_discovered_peer_that_its_conf_still_declares_is_repaired_not_retired()
    {
        var fleet = StartFleet(new DeclaringWireGuard(_wireGuard));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));
        var name = NameOf("hub0", Key(1));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase), Wait);

        fleet.Tell(new NamespaceObserved(Snapshot("hub0")));

        AwaitAssert(() => Assert.Contains(_wireGuard.Repairs, r => r.Tunnel == name), Wait);
        // Only a peer missing, not the interface: the peer-level rung is tried first.
        Assert.Equal(RepairRung.ResetPeer, _wireGuard.Repairs.Single().Rung);
        var summary = Tunnel(fleet, name);
        Assert.Equal(TunnelPhase.Restarting, summary.Phase);
        Assert.DoesNotContain(_recorded.All.OfType<TunnelProtocol.EventRecorded>(), r => r.Event is TunnelRetired);
    }

    [Fact]
    public void A_discovered_peer_missing_while_its_own_repair_runs_is_not_retired()
    {
        var fleet = StartFleet(_wireGuard);
        var handshake = VirtualNow;
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), handshake))));
        var name = NameOf("hub0", Key(1));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase), Wait);
        Clock.Advance(Template.StaleAfter + TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), handshake))));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Restarting, Tunnel(fleet, name).Phase), Wait);
        var reset = _wireGuard.Repairs.Single();
        Assert.Equal(RepairRung.ResetPeer, reset.Rung);

        // Resetting the peer removes it and adds it back: a poll in between must not take it for gone.
        fleet.Tell(new NamespaceObserved(Snapshot("hub0")));
        Assert.Equal(TunnelPhase.Restarting, Tunnel(fleet, name).Phase);
        reset.Succeed();
        Clock.Advance(TimeSpan.FromSeconds(1));
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));

        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, name).Phase), Wait);
        Assert.DoesNotContain(_recorded.All.OfType<TunnelProtocol.EventRecorded>(), r => r.Event is TunnelRetired);
    }

    [Fact]
    public void A_configured_tunnel_whose_peer_disappears_is_repaired_and_never_retired()
    {
        var configured = Template with { Name = "branch", Interface = "hub0", PeerPublicKey = Key(1), WgQuickConfig = "/etc/wireguard/hub0.conf", Discovered = false };
        var fleet = StartFleet(_wireGuard, configured);
        fleet.Tell(new NamespaceObserved(Snapshot("hub0", (Key(1), VirtualNow))));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnel(fleet, "branch").Phase), Wait);
        // The configured peer is not discovered a second time.
        Assert.Equal(["branch"], Tunnels(fleet).Select(t => t.Name));

        fleet.Tell(new NamespaceObserved(Snapshot("hub0")));

        AwaitAssert(() => Assert.Contains(_wireGuard.Repairs, r => r.Tunnel == "branch"), Wait);
        Assert.Equal(["branch"], Tunnels(fleet).Select(t => t.Name));
        Assert.DoesNotContain(_recorded.All.OfType<TunnelProtocol.EventRecorded>(), r => r.Event is TunnelRetired);
    }

    // ---- Helpers -------------------------------------------------------------------------------------

    private IActorRef StartFleet(IWireGuard wireGuard, params TunnelSettings[] configured)
    {
        var settings = new FleetSettings(Node, configured, PermitLimits.Default, PollInterval: null, HistorySettings.Default,
            DiscoveryTemplate: Template, WatchedNamespaces: [null]);
        return Sys.ActorOf(FleetActor.Props(settings, wireGuard, () => 1.0), "fleet");
    }

    private static string Key(int index) => Convert.ToBase64String(Enumerable.Repeat((byte)index, 32).ToArray());

    private static string NameOf(string iface, string peerKey) => FleetActor.DiscoveredName(new TunnelKey(null, iface, peerKey));

    /// <summary>A host-namespace snapshot with one interface and these peers (key, latest handshake).</summary>
    private NamespaceSnapshot Snapshot(string iface, params (string Key, DateTimeOffset Handshake)[] peers) =>
        new(null, VirtualNow, new Dictionary<string, InterfaceStatus>
        {
            [iface] = new(iface, null, 51820, peers.Select(p => new PeerStatus(p.Key, null, ["10.0.0.0/24"], p.Handshake, 1_000, 2_000, 25)).ToList()),
        });

    private T Ask<T>(IActorRef fleet, object query)
    {
        fleet.Tell(query, _asker.Ref);
        return _asker.ExpectMsg<T>(Wait);
    }

    private IReadOnlyList<TunnelSummary> Tunnels(IActorRef fleet) => Ask<TunnelList>(fleet, new GetTunnels()).Tunnels;
    private TunnelSummary Tunnel(IActorRef fleet, string name) => Ask<TunnelFound>(fleet, new GetTunnel(name)).Tunnel;

    private IActorRef ActorOf(IActorRef fleet, string tunnel) => ChildOf(fleet, "tunnel-" + Uri.EscapeDataString(tunnel));

    private IActorRef ChildOf(IActorRef fleet, string child) => Sys.ActorSelection(fleet.Path / child).ResolveOne(Wait).GetAwaiter().GetResult();

    /// <summary>The fake WireGuard, with a wg-quick conf that declares every peer (the desired state keeps them).</summary>
    private sealed class DeclaringWireGuard(FakeWireGuard inner) : IWireGuard
    {
        public Task<NamespaceSnapshot> ReadAsync(string? networkNamespace, CancellationToken cancellationToken) =>
            inner.ReadAsync(networkNamespace, cancellationToken);

        public Task<RepairActionResult> RepairAsync(RepairRung rung, TunnelSettings tunnel, CancellationToken cancellationToken) =>
            inner.RepairAsync(rung, tunnel, cancellationToken);

        public bool IsDeclared(TunnelSettings tunnel) => true;
    }
}
