using Akka.Actor;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// Start-up: each tunnel is "recovering" until its history is read and (when the fleet polls) it has been observed once;
/// the fleet is recovered — the node ready — only when none is, and stays so. Snapshots are sent by hand (the poller's
/// timer never fires on virtual time that does not advance).
/// </summary>
public sealed class RecoverySpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Node = "gw1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);

    private readonly FakeWireGuard _wireGuard = new();
    private readonly Akka.TestKit.TestProbe _asker;

    public RecoverySpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(RecoverySpecs), output)
    {
        _asker = CreateTestProbe("admin");
        _wireGuard.Calls = CreateTestProbe("wireguard-calls").Ref;
    }

    private DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    [Fact]
    public void A_polled_fleet_is_recovered_only_once_every_tunnel_has_read_its_history_and_been_observed()
    {
        var fleet = StartFleet("fleet", 3, Poll);

        // Before anything was observed: every tunnel recovering, the fleet not recovered, whatever the history says.
        Assert.All(Tunnels(fleet), t => Assert.True(t.Recovering));
        AwaitAssert(() => Assert.All(Tunnels(fleet), t => Assert.StartsWith("recovered from the journal", t.Reason)), Wait);
        var waiting = Status(fleet);
        Assert.False(waiting.Recovered);
        Assert.Equal(["t0", "t1", "t2"], waiting.RecoveringTunnels);

        // The host's namespace read, not yet t2's: t2 still recovering.
        fleet.Tell(new PollerActor.NamespaceObserved(Snapshot(0, 1)));
        AwaitAssert(() => Assert.Equal(["t2"], Status(fleet).RecoveringTunnels), Wait);
        Assert.False(Status(fleet).Recovered);

        fleet.Tell(new PollerActor.NamespaceObserved(Snapshot(2)));
        AwaitAssert(() => Assert.True(Status(fleet).Recovered), Wait);
        Assert.All(Tunnels(fleet), t => Assert.Equal((false, TunnelPhase.Healthy), (t.Recovering, t.Phase)));
        Assert.Empty(Status(fleet).RecoveringTunnels!);
    }

    [Fact]
    public void A_tunnel_recovered_from_its_journal_keeps_its_phase_beside_recovering_until_it_is_observed()
    {
        var first = StartFleet("first", 1, Poll);
        first.Tell(new PollerActor.NamespaceObserved(Snapshot(0)));
        AwaitAssert(() => Assert.Equal(TunnelPhase.Healthy, Tunnels(first)[0].Phase), Wait);
        first.Tell(new PauseTunnel("t0", "spec", "maintenance window"), _asker.Ref);
        _asker.ExpectMsg<TunnelProtocol.CommandAccepted>(Wait);
        AwaitAssert(() => Assert.Equal((TunnelPhase.Paused, 0), (Tunnels(first)[0].Phase, Status(first).PendingHistoryEvents)), Wait);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Wait);

        var second = StartFleet("second", 1, Poll);

        var recovered = AwaitTunnel(second, t => t.Phase == TunnelPhase.Paused);
        Assert.True(recovered.Recovering);
        Assert.StartsWith("recovered from the journal (paused by spec: maintenance window)", recovered.Reason);
        Assert.False(Status(second).Recovered);

        second.Tell(new PollerActor.NamespaceObserved(Snapshot(0)));
        var observed = AwaitTunnel(second, t => !t.Recovering);
        Assert.Equal(TunnelPhase.Paused, observed.Phase);
        Assert.True(Status(second).Recovered);
    }

    [Fact]
    public void Without_a_poller_a_tunnel_is_recovered_once_its_history_is_read()
    {
        var fleet = StartFleet("fleet", 2, pollInterval: null);

        AwaitAssert(() => Assert.True(Status(fleet).Recovered), Wait);
        Assert.All(Tunnels(fleet), t => Assert.False(t.Recovering));
    }

    [Fact]
    public async Task Once_recovered_a_fleet_stays_so_when_a_tunnel_actor_starts_again()
    {
        var fleet = StartFleet("fleet", 1, Poll);
        fleet.Tell(new PollerActor.NamespaceObserved(Snapshot(0)));
        AwaitAssert(() => Assert.True(Status(fleet).Recovered), Wait);

        // A restarted tunnel actor reads its history again and waits for a poll: shown recovering, the node still ready.
        var tunnel = await Sys.ActorSelection(fleet.Path / "tunnel-t0").ResolveOne(Wait);
        tunnel.Tell(Kill.Instance);

        AwaitAssert(() => Assert.True(Tunnels(fleet)[0].Recovering), Wait);
        Assert.True(Status(fleet).Recovered);
    }

    private IActorRef StartFleet(string name, int tunnels, TimeSpan? pollInterval)
    {
        var settings = new FleetSettings(Node, Enumerable.Range(0, tunnels).Select(TunnelSettings).ToList(),
            new PermitLimits(2, null, TimeSpan.FromMinutes(5)), pollInterval, HistorySettings.Default);
        return Sys.ActorOf(FleetActor.Props(settings, _wireGuard, () => 1.0), name);
    }

    private static TunnelSettings TunnelSettings(int index) => new()
    {
        Name = $"t{index}",
        Interface = $"wg{index}",
        PeerPublicKey = Key(index),
        WgQuickConfig = $"/etc/wireguard/wg{index}.conf",
        StaleAfter = TimeSpan.FromSeconds(180),
        // A third tunnel lives in a namespace of its own, read by a poll of its own.
        Namespace = NamespaceOf(index),
    };

    private static string? NamespaceOf(int index) => index == 2 ? "site-b" : null;

    private static string Key(int index) => Convert.ToBase64String(Enumerable.Repeat((byte)(index + 1), 32).ToArray());

    /// <summary>A snapshot of the given tunnels' namespace in which their interfaces exist, each with a handshake just now.</summary>
    private NamespaceSnapshot Snapshot(params int[] present) =>
        new(NamespaceOf(present[0]), VirtualNow, present.ToDictionary(
            i => $"wg{i}",
            i => new InterfaceStatus($"wg{i}", "InterfaceKeyInterfaceKeyInterfaceKeyInterface=", 51820 + i,
                [new PeerStatus(Key(i), $"198.51.100.{i + 1}:51820", ["10.0.0.0/24"], VirtualNow, 1_000, 2_000, 25)])));

    private T Ask<T>(IActorRef fleet, object query)
    {
        fleet.Tell(query, _asker.Ref);
        return _asker.ExpectMsg<T>(Wait);
    }

    private FleetStatus Status(IActorRef fleet) => Ask<FleetStatus>(fleet, new GetFleetStatus());
    private IReadOnlyList<TunnelSummary> Tunnels(IActorRef fleet) => Ask<TunnelList>(fleet, new GetTunnels()).Tunnels;

    private TunnelSummary AwaitTunnel(IActorRef fleet, Func<TunnelSummary, bool> condition)
    {
        TunnelSummary? matched = null;
        AwaitCondition(() => condition(matched = Tunnels(fleet)[0]), Wait, TimeSpan.FromMilliseconds(20));
        return matched!;
    }
}
