using Akka.Actor;
using Akka.TestKit;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;
using RepairCall = WgSupervisor.Actors.Specs.Support.FakeWireGuard.RepairCall;

namespace WgSupervisor.Actors.Specs.Support;

/// <summary>
/// The ground of specs that drive one tunnel actor on virtual time: a probe stands in for the fleet (it grants
/// permits by hand), the fake WireGuard's repairs finish when the spec says so, and every event the tunnel
/// records is read from the event stream (as metrics and webhooks read it).
/// </summary>
public abstract class OneTunnelSpec : Akka.TestKit.Xunit2.TestKit
{
    protected const string Node = "gw1";
    protected const string Name = "alpha";
    protected const string PeerKey = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    protected static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(180);
    protected static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(20);
    protected static readonly TimeSpan BackoffBase = TimeSpan.FromSeconds(10);

    protected readonly FakeWireGuard WireGuard = new();
    protected readonly MessageLog Fleet;
    protected readonly MessageLog Recorded;
    protected readonly TestProbe Calls;
    private long _nextSettlePermit = -1;
    private long _lastRequestId;

    protected OneTunnelSpec(ITestOutputHelper output, string systemName) : base(SpecConfig.Config, systemName, output)
    {
        Fleet = new MessageLog(CreateTestProbe("fleet"));
        Calls = CreateTestProbe("wireguard-calls");
        WireGuard.Calls = Calls.Ref;
        var recorded = CreateTestProbe("recorded-events");
        Sys.EventStream.Subscribe(recorded.Ref, typeof(EventRecorded));
        Recorded = new MessageLog(recorded);
    }

    protected TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    protected DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    protected static TunnelSettings Settings(QuarantinePolicy? quarantine = null, IReadOnlyList<RepairRung>? ladder = null,
        BackoffPolicy? backoff = null) => new()
    {
        Name = Name,
        Interface = "wg0",
        PeerPublicKey = PeerKey,
        WgQuickConfig = "/etc/wireguard/wg0.conf",
        Site = "site-a",
        StaleAfter = StaleAfter,
        VerifyTimeout = VerifyTimeout,
        Backoff = backoff ?? new BackoffPolicy(BackoffBase, 2.0, TimeSpan.FromMinutes(5)),
        Ladder = ladder ?? [RepairRung.RestartInterface],
        Quarantine = quarantine ?? QuarantinePolicy.Default,
    };

    /// <summary>Starts a tunnel actor and waits for its first summary, published once its history is read.</summary>
    protected (IActorRef Tunnel, TunnelSummary First) Start(TunnelSettings? settings = null, Func<double>? unitRandom = null,
        HistorySettings? history = null, string actorName = "tunnel-alpha", IProber? prober = null, bool polled = false) =>
        Start(out _, settings, unitRandom, history, actorName, prober, polled);

    /// <param name="toldBeforeFirstSummary">What the tunnel told the fleet on recovery before its first summary (a permit request, when it recovered stale).</param>
    protected (IActorRef Tunnel, TunnelSummary First) Start(out IReadOnlyList<object> toldBeforeFirstSummary, TunnelSettings? settings = null,
        Func<double>? unitRandom = null, HistorySettings? history = null, string actorName = "tunnel-alpha", IProber? prober = null,
        bool polled = false)
    {
        var tunnel = Sys.ActorOf(TunnelActor.Props(settings ?? Settings(), Node, Fleet.Ref, WireGuard, unitRandom ?? (() => 1.0), history, prober,
            polled: polled), actorName);
        // Whatever an earlier incarnation told the fleet is history: read on from this one's first word.
        Fleet.Settle<TunnelToFleet.TunnelIncarnated>(i => i.Tunnel == Name);
        var (first, passedOver) = Fleet.ExpectWithPassedOver<TunnelToFleet.TunnelChanged>(hint: "first summary after recovery");
        toldBeforeFirstSummary = passedOver;
        return (tunnel, first.Summary);
    }

    protected void StopAndWait(IActorRef tunnel)
    {
        var watcher = CreateTestProbe();
        watcher.Watch(tunnel);
        Sys.Stop(tunnel);
        watcher.ExpectTerminated(tunnel, Wait);
    }

    // ---- Observations --------------------------------------------------------------------------------

    protected static void Observe(IActorRef tunnel, TunnelObservation observation) => tunnel.Tell(new Observed(observation));

    protected TunnelObservation HandshakeAged(TimeSpan age) => HandshakeAt(VirtualNow - age);
    protected TunnelObservation HandshakeAt(DateTimeOffset handshake) => new(VirtualNow, InterfacePresent: true, Peer(handshake));
    protected TunnelObservation TooOld() => HandshakeAged(StaleAfter + TimeSpan.FromSeconds(20));
    protected TunnelObservation NeverHandshaken() => new(VirtualNow, InterfacePresent: true, Peer(null));
    protected TunnelObservation InterfaceMissing() => new(VirtualNow, InterfacePresent: false, Peer: null);
    protected TunnelObservation PeerMissing() => new(VirtualNow, InterfacePresent: true, Peer: null);

    private static PeerStatus Peer(DateTimeOffset? handshake) =>
        new(PeerKey, "203.0.113.7:51820", ["10.20.0.0/24"], handshake, 4_096, 8_192, 25);

    // ---- What the tunnel told the fleet ----------------------------------------------------------------

    protected TunnelSummary ExpectSummary(Func<TunnelSummary, bool> match, string hint) =>
        Fleet.Expect<TunnelToFleet.TunnelChanged>(c => match(c.Summary), hint: hint).Summary;

    protected TunnelSummary ExpectPhase(TunnelPhase phase) => ExpectSummary(s => s.Phase == phase, $"phase {phase}");

    /// <summary>The number of the last permit request read.</summary>
    protected long LastRequestId => _lastRequestId;

    /// <summary>Reads the next permit request and remembers its number, which a grant must echo.</summary>
    protected PermitRequest ExpectPermitRequest()
    {
        var request = Fleet.Expect<TunnelToFleet.RequestPermit>(hint: "permit request").Request;
        _lastRequestId = request.RequestId;
        return request;
    }

    protected void ExpectRelease(long permitId) =>
        Fleet.Expect<TunnelToFleet.ReleasePermit>(r => r.Tunnel == Name && r.PermitId == permitId, hint: $"release of permit {permitId}");

    /// <summary>Grants the last request and returns the repair the tunnel starts under it.</summary>
    protected RepairCall Grant(IActorRef tunnel, long permitId)
    {
        tunnel.Tell(new PermitGranted(permitId, _lastRequestId));
        return Calls.ExpectMsg<RepairCall>(Wait);
    }

    /// <summary>
    /// Waits until the tunnel has handled everything sent to it so far (and every timer the clock has fired), and
    /// returns what it told the fleet meanwhile that no step has read. The probe is a stray permit, which the tunnel
    /// hands straight back in every phase but Stale (where it would start a repair).
    /// </summary>
    protected IReadOnlyList<object> SettleUnlessStale(IActorRef tunnel)
    {
        var permitId = _nextSettlePermit--;
        tunnel.Tell(new PermitGranted(permitId));
        return Fleet.Settle<TunnelToFleet.ReleasePermit>(r => r.PermitId == permitId);
    }

    /// <summary>Like <see cref="SettleUnlessStale"/>, for Stale: an operator restart there is only answered, to the fleet probe.</summary>
    protected IReadOnlyList<object> SettleStale(IActorRef tunnel)
    {
        tunnel.Tell(new RestartRequested("settle"), Fleet.Ref);
        return Fleet.Settle<CommandAccepted>(a => a.Detail == "a repair is already queued");
    }

    protected static void AssertNoPermitTraffic(IReadOnlyList<object> told) =>
        Assert.DoesNotContain(told, m => m is TunnelToFleet.RequestPermit or TunnelToFleet.WithdrawPermitRequest or TunnelToFleet.ReleasePermit);

    /// <summary>The next event of type <typeparamref name="T"/> the tunnel recorded, with the events recorded before it.</summary>
    protected (T Event, IReadOnlyList<ITunnelEvent> Before) ExpectRecorded<T>(Func<T, bool>? match = null) where T : ITunnelEvent
    {
        var (recorded, passedOver) = Recorded.ExpectWithPassedOver<EventRecorded>(r => r.Event is T e && (match?.Invoke(e) ?? true),
            hint: $"event {typeof(T).Name}");
        return ((T)recorded.Event, passedOver.OfType<EventRecorded>().Select(r => r.Event).ToList());
    }

    /// <summary>Events recorded so far that no step has read.</summary>
    protected IReadOnlyList<ITunnelEvent> RecordedSinceLastRead()
    {
        var marker = new TunnelRetired(DateTimeOffset.MinValue, "settle marker");
        Sys.EventStream.Publish(new EventRecorded("marker", Node, "wg0", PeerKey, null, marker, TunnelPhase.Unknown));
        return Recorded.Settle<EventRecorded>(r => ReferenceEquals(r.Event, marker)).OfType<EventRecorded>().Select(r => r.Event).ToList();
    }

    // ---- Whole steps -----------------------------------------------------------------------------------

    /// <summary>From Unknown to Healthy on a fresh handshake.</summary>
    protected void MakeHealthy(IActorRef tunnel)
    {
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(5)));
        ExpectPhase(TunnelPhase.Healthy);
    }

    /// <summary>A healthy tunnel goes stale, gets a permit, is repaired and verified; returns when its repair started.</summary>
    protected DateTimeOffset RepairOnce(IActorRef tunnel, long permitId)
    {
        Observe(tunnel, TooOld());
        ExpectPermitRequest();
        var call = Grant(tunnel, permitId);
        var startedAt = ExpectPhase(TunnelPhase.Restarting).CurrentRepair!.StartedAt;
        call.Succeed();
        Clock.Advance(TimeSpan.FromSeconds(2));
        Observe(tunnel, HandshakeAt(VirtualNow));
        ExpectRelease(permitId);
        ExpectPhase(TunnelPhase.Healthy);
        return startedAt;
    }

    protected int RepairsRun => WireGuard.Repairs.Count;

    /// <summary>Waits until the tunnel's journal holds a state that satisfies <paramref name="condition"/> (writes are asynchronous).</summary>
    protected void AwaitJournaled(Func<TunnelState, bool> condition) =>
        AwaitCondition(() => condition(ReadJournal()), Wait, TimeSpan.FromMilliseconds(20));

    /// <summary>The tunnel's state as its journal holds it, read by a separate reader of the same persistence id.</summary>
    protected TunnelState ReadJournal()
    {
        var reader = CreateTestProbe();
        var journal = reader.ChildActorOf(TunnelJournal.Props(TunnelActor.PersistenceIdFor(Node, Name), HistorySettings.Default with { SnapshotEvery = 0 }));
        var recovered = reader.ExpectMsg<TunnelJournal.Recovered>(Wait);
        Sys.Stop(journal);
        return recovered.State;
    }
}
