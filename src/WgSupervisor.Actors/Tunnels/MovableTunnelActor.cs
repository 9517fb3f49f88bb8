using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// A tunnel that can move between two gateways holding the same conf (same private key): the one that
/// carries it runs a normal <see cref="TunnelActor"/>; the other keeps its interface down and stands by. When
/// the carrying node is downed, the standby brings the interface up and its handshake makes the site follow
/// (WireGuard roams to the side that initiates). A node that comes back does not take the tunnel back on its
/// own — no flapping —; an operator moves it (<see cref="MovableTunnelProtocol.MoveTunnel"/>). Every move is an event.
/// </summary>
public sealed class MovableTunnelActor : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    private sealed record Decide
    {
        public static readonly Decide Instance = new();
    }

    private sealed record WentUp(RepairActionResult Result, string From, string Reason);

    private sealed record WentDown(RepairActionResult Result, string? HandTo, string Reason);

    /// <summary>How long a primary that starts waits to hear whether its partner carries the tunnel.</summary>
    private static readonly TimeSpan DecisionDelay = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly TunnelSettings _settings;
    private readonly string _node;
    private readonly IActorRef _fleet;
    private readonly IWireGuard _wireGuard;
    private readonly IActorRef _history;
    private readonly Func<IActorRef, Props> _tunnelProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _partner;

    private IActorRef? _tunnel;
    private string? _partnerAddress;
    private bool _partnerCarries;
    private TunnelObservation? _lastObservation;

    public MovableTunnelActor(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, IActorRef history,
        Func<IActorRef, Props> tunnelProps)
    {
        _settings = settings;
        _node = node;
        _fleet = fleet;
        _wireGuard = wireGuard;
        _history = history;
        _tunnelProps = tunnelProps;
        _partner = settings.PartnerNode ?? throw new ArgumentException("a movable tunnel names its Standby or Primary", nameof(settings));
        StandingBy();
    }

    public ITimerScheduler Timers { get; set; } = null!;
    public IStash Stash { get; set; } = null!;

    /// <param name="tunnelProps">Builds the tunnel actor that supervises the tunnel while this node carries it (given its parent).</param>
    public static Props Props(TunnelSettings settings, string node, IActorRef fleet, IWireGuard wireGuard, IActorRef history,
        Func<IActorRef, Props> tunnelProps) =>
        Akka.Actor.Props.Create(() => new MovableTunnelActor(settings, node, fleet, wireGuard, history, tunnelProps));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private bool IsPrimary => _settings.Standby is not null;

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ClusterProtocol.TunnelsTopic, Self));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent));
        // A primary carries the tunnel unless its partner does; a standby waits for its primary to be downed.
        if (IsPrimary) Timers.StartSingleTimer(Decide.Instance, Decide.Instance, DecisionDelay);
        PublishStandby();
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    // ---- Phases -------------------------------------------------------------------------------------

    /// <summary>The partner carries the tunnel (or may): keep the interface down, watch the partner.</summary>
    private void StandingBy()
    {
        Receive<Decide>(_ =>
        {
            if (!_partnerCarries) BringUp(_partner, IsPrimary ? "this node is the tunnel's primary" : $"node {_partner} was downed");
        });
        Receive<Observed>(o =>
        {
            _lastObservation = o.Observation;
            // Both sides up would make the site flap between them: the one standing by keeps its interface down.
            if (o.Observation.InterfacePresent && _partnerCarries)
                _wireGuard.TakeDownAsync(_settings, CancellationToken.None).PipeTo(Self, success: r => new WentDown(r, null, "standing by"));
            PublishStandby();
        });
        Receive<MovableTunnelProtocol.TakeOverTunnel>(t => BringUp(t.From, t.Reason));
        Receive<MovableTunnelProtocol.MoveTunnel>(_ => Sender.Tell(new CommandRejected(_settings.Name, $"this node stands by; ask node {_partner}")));
        Receive<WentDown>(_ => { });
        Receive<ClusterEvent.IMemberEvent>(e =>
        {
            if (!PartnerDowned(e)) return;
            _partnerCarries = false;
            BringUp(_partner, $"node {_partner} was downed");
        });
        Learning();
        Refusals($"standing by: node {_partner} carries this tunnel");
    }

    /// <summary>Bringing the interface up.</summary>
    private void Activating()
    {
        Receive<WentUp>(up =>
        {
            if (!up.Result.Succeeded)
            {
                _log.Warning("Tunnel {Tunnel}: could not bring the interface up ({Detail}); trying again in {Delay}", _settings.Name, up.Result.Detail,
                    RetryDelay);
                Timers.StartSingleTimer(Decide.Instance, Decide.Instance, RetryDelay);
                Become(StandingBy);
                return;
            }
            _history.Tell(new TunnelHistory.Record(new TunnelTakenOver(Now, up.From, up.Reason)));
            _log.Warning("Tunnel {Tunnel}: this node carries it now (from {From}: {Reason})", _settings.Name, up.From, up.Reason);
            _tunnel = Context.Watch(Context.ActorOf(_tunnelProps(Self), "tunnel"));
            Stash.UnstashAll();
            Become(Carrying);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>This node carries the tunnel: a normal tunnel actor supervises it.</summary>
    private void Carrying()
    {
        Receive<MovableTunnelProtocol.MoveTunnel>(m =>
        {
            if (m.To == _node)
            {
                Sender.Tell(new CommandAccepted(_settings.Name, $"already carried by {_node}"));
                return;
            }
            if (m.To != _partner || _partnerAddress is null)
            {
                Sender.Tell(new CommandRejected(_settings.Name, $"it can move only to {_partner}{(_partnerAddress is null ? ", which is not in the cluster" : "")}"));
                return;
            }
            Sender.Tell(new CommandAccepted(_settings.Name, $"moving to {m.To}"));
            HandOver(m.To, $"moved by {m.By}");
        });
        Receive<MovableTunnelProtocol.TakeOverTunnel>(_ => { });
        Receive<ClusterProtocol.NodeTunnels>(published =>
        {
            Learn(published.Node, published.Address, published.Tunnels.FirstOrDefault(t => t.Name == _settings.Name));
            // Both carry it (a race or a healed partition): the standby yields to the primary.
            if (_partnerCarries && !IsPrimary) HandOver(_partner, $"node {_partner} carries it too; the standby yields");
        });
        Receive<ClusterEvent.IMemberEvent>(e => PartnerDowned(e));
        Learning();
        Receive<Terminated>(t => t.ActorRef.Equals(_tunnel), _ => _tunnel = null);
        ReceiveAny(m => _tunnel?.Forward(m));
    }

    /// <summary>Taking the interface down before another node takes the tunnel.</summary>
    private void Deactivating()
    {
        Receive<WentDown>(down =>
        {
            _history.Tell(new TunnelHistory.Record(new TunnelHandedOver(Now, down.HandTo ?? _partner, down.Reason)));
            _log.Warning("Tunnel {Tunnel}: handed to {Node} ({Reason}); {Detail}", _settings.Name, down.HandTo ?? _partner, down.Reason, down.Result.Detail);
            if (down.HandTo is { } target && _partnerAddress is { } address)
                Context.ActorSelection($"{address}/user/fleet").Tell(new MovableTunnelProtocol.TakeOverTunnel(_settings.Name, _node, down.Reason));
            _partnerCarries = down.HandTo is not null;
            Stash.UnstashAll();
            Become(StandingBy);
            PublishStandby();
        });
        Receive<Terminated>(_ => { });
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>What the partner publishes about this tunnel.</summary>
    private void Learning()
    {
        Receive<ClusterProtocol.NodeTunnels>(p => Learn(p.Node, p.Address, p.Tunnels.FirstOrDefault(t => t.Name == _settings.Name)));
        Receive<ClusterProtocol.TunnelDelta>(d =>
        {
            if (d.Tunnel.Name == _settings.Name) Learn(d.Node, d.Address, d.Tunnel);
        });
        Receive<SubscribeAck>(_ => { });
    }

    /// <summary>Tracks the partner's membership; true when this event says it was downed or removed.</summary>
    private bool PartnerDowned(ClusterEvent.IMemberEvent e)
    {
        if (_partnerAddress is null || e.Member.Address.ToString() != _partnerAddress) return false;
        return e is ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned || e.Member.Status is MemberStatus.Down or MemberStatus.Removed;
    }

    private void Refusals(string reason)
    {
        Receive<RestartRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, reason)));
        Receive<PauseRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, reason)));
        Receive<ResumeRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, reason)));
        Receive<ReleaseRequested>(_ => Sender.Tell(new CommandRejected(_settings.Name, reason)));
        Receive<GetSamples>(_ => Sender.Tell(new Samples(_settings.Name, [])));
        Receive<PermitGranted>(p => _fleet.Tell(new TunnelToFleet.ReleasePermit(_settings.Name, p.PermitId)));
        ReceiveAny(_ => { });
    }

    // ---- Moves --------------------------------------------------------------------------------------

    private void BringUp(string from, string reason)
    {
        Timers.Cancel(Decide.Instance);
        Become(Activating);
        if (_lastObservation is { InterfacePresent: true })
        {
            // Already up (started by the system at boot): supervise it as it is.
            Self.Tell(new WentUp(RepairActionResult.Ok("already up"), from, reason));
            return;
        }
        _wireGuard.RepairAsync(RepairRung.RestartInterface, _settings, CancellationToken.None)
            .PipeTo(Self, success: r => new WentUp(r, from, reason), failure: e => new WentUp(RepairActionResult.Failed(e.Message), from, reason));
    }

    private void HandOver(string to, string reason)
    {
        if (_tunnel is not null) Context.Stop(_tunnel);
        _tunnel = null;
        _fleet.Tell(new TunnelToFleet.WithdrawPermitRequest(_settings.Name));
        Become(Deactivating);
        _wireGuard.TakeDownAsync(_settings, CancellationToken.None)
            .PipeTo(Self, success: r => new WentDown(r, to, reason), failure: e => new WentDown(RepairActionResult.Failed(e.Message), to, reason));
    }

    private void Learn(string node, string address, TunnelSummary? tunnel)
    {
        if (node != _partner) return;
        _partnerAddress = address;
        _partnerCarries = tunnel is not null && tunnel.Phase != TunnelPhase.Standby;
    }

    private void PublishStandby() => _fleet.Tell(new TunnelToFleet.TunnelChanged(TunnelSummary.NotYetObserved(_settings, _node) with
    {
        Phase = TunnelPhase.Standby,
        Reason = _partnerCarries ? $"standing by: node {_partner} carries this tunnel" : $"standing by for node {_partner}",
        InterfacePresent = _lastObservation?.InterfacePresent ?? false,
        ObservedAt = _lastObservation?.At,
        // Standing by is this node's decision, not a state read from the journal.
        Recovering = false,
    }));
}
