using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Clustering.BudgetClientProtocol;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;
using static WgSupervisor.Actors.Fleet.FleetProtocol;
using static WgSupervisor.Actors.Tunnels.MovableTunnelProtocol;
using static WgSupervisor.Actors.Tunnels.TunnelToFleet;

namespace WgSupervisor.Actors.Fleet;

/// <summary>
/// Parent of every tunnel actor of this node: a <see cref="TunnelRoster"/> of the tunnels, a <see cref="PermitBook"/>
/// of repair permits (a permit ends with its holder: release, withdrawal, a new incarnation, death, or lease
/// expiry), and its children — the tunnels, the poller whose snapshots it fans out, and in a cluster the
/// <see cref="BudgetClientActor"/> that must lease each permit from the cluster-wide budget before it reaches its
/// tunnel. It answers the admin endpoint from the roster, publishes its tunnels to the cluster, and restarts a
/// failing tunnel actor without disturbing its siblings.
/// </summary>
public sealed class FleetActor : ReceiveActor, IWithTimers
{
    private sealed record ExpireLeases
    {
        public static readonly ExpireLeases Instance = new();
    }

    private sealed record PermitsSettled
    {
        public static readonly PermitsSettled Instance = new();
    }

    private sealed record PublishState
    {
        public static readonly PublishState Instance = new();
    }

    private const string LeaseTimer = "leases";
    private const string PublishTimer = "cluster-publish";
    private const string SettleTimer = "settle";
    private static readonly TimeSpan LeaseCheckInterval = TimeSpan.FromSeconds(5);

    private readonly FleetSettings _settings;
    private readonly IWireGuard _wireGuard;
    private readonly IProber? _prober;
    private readonly Func<double> _unitRandom;
    private readonly IActorRef? _budget;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TunnelRoster _roster = new();
    private readonly PermitBook _permits;
    private readonly CommonCauseWatch _commonCause;
    private readonly Dictionary<string, PollStatus> _pollsByNamespace = new(StringComparer.Ordinal);
    private IActorRef _poller = ActorRefs.Nobody;
    private IActorRef? _budgetClient;
    // Every tunnel has recovered its state and been observed once since start-up: the node is ready, and stays so.
    private bool _recovered;

    public FleetActor(FleetSettings settings, IWireGuard wireGuard, IProber? prober, Func<double> unitRandom, IActorRef? budget)
    {
        _settings = settings;
        _wireGuard = wireGuard;
        _prober = prober;
        _unitRandom = unitRandom;
        _budget = budget;
        _permits = new PermitBook(settings.Limits);
        _commonCause = new CommonCauseWatch(settings.CommonCausePolicy, settings.Node);

        // From the poller.
        Receive<PollerActor.NamespaceObserved>(FanOut);
        Receive<PollerActor.NamespaceUnreadable>(u => RecordPoll(u.Namespace, success: null, failure: u.At, u.Error));
        Receive<PollerActor.PollNow>(p => _poller.Forward(p));

        // From the tunnels.
        Receive<RequestPermit>(r => { _permits.Request(Settling(r.Request)); GrantWhatFits(); });
        Receive<PermitsSettled>(_ => GrantWhatFits());
        Receive<WithdrawPermitRequest>(w => { ReleaseAll(w.Tunnel); GrantWhatFits(); });
        Receive<ReleasePermit>(r =>
        {
            if (_permits.Release(r.Tunnel, r.PermitId)) ReturnLease(r.Tunnel);
            GrantWhatFits();
        });
        Receive<TunnelIncarnated>(i =>
        {
            ReleaseAll(i.Tunnel);
            if (_commonCause.CauseOf(i.Tunnel) is { } cause) Sender.Tell(new TunnelProtocol.SharedCauseChanged(cause, _commonCause.Policy.PingEndpoints));
            GrantWhatFits();
        });
        Receive<TunnelChanged>(OnTunnelChanged);
        Receive<HistoryStatus>(h => _roster.RecordHistory(h.Tunnel, new HistoryBacklog(h.PendingEvents, h.Problem)));
        Receive<Terminated>(OnTunnelTerminated);
        Receive<ExpireLeases>(_ => ExpireLeasesNow());

        // From the budget client (in a cluster).
        Receive<LeaseSecured>(s =>
        {
            if (HoldsPermit(s.Permit)) Deliver(s.Permit);
        });
        Receive<LeaseRefused>(r =>
        {
            _permits.Release(r.Permit.Request.Tunnel, r.Permit.Id);
            GrantWhatFits();
        });
        Receive<RepairUnderLocalLimit>(f =>
        {
            if (!HoldsPermit(f.Permit)) return;
            Note(f.Permit.Request.Tunnel, f.Event, f.Warning);
            Deliver(f.Permit);
        });
        Receive<RetryPermitRequests>(r =>
        {
            foreach (var request in r.Requests) _permits.Request(request);
            GrantWhatFits();
        });

        // From the cluster.
        Receive<PublishState>(_ => PublishAll());
        Receive<ClusterViewProtocol.NameClaimedElsewhere>(c => Note(c.Tunnel, new TunnelNameConflict(Now, c.OtherNode),
            $"node {c.OtherNode} supervises a tunnel of the same name: names must be unique in a cluster"));

        // From the admin endpoint (of this node or another).
        Receive<GetTunnels>(_ => Sender.Tell(new TunnelList(_roster.Summaries)));
        Receive<SelectTunnels>(q =>
        {
            var (tunnels, more) = _roster.Select(q.Query);
            Sender.Tell(new TunnelSelection(tunnels, more));
        });
        Receive<GetTunnelListIfChanged>(g => Sender.Tell(g.KnownVersion == _roster.Version
            ? new TunnelListUnchanged(_roster.Version)
            : new VersionedTunnelList(_roster.Version, _roster.Summaries)));
        Receive<GetTunnel>(g => Sender.Tell(_roster.Find(g.Name) is { } entry ? new TunnelFound(entry.Summary) : new TunnelNotFound(g.Name)));
        Receive<GetFleetStatus>(_ => Sender.Tell(BuildStatus()));
        Receive<RestartTunnel>(r => ForwardToTunnel(r.Name, new TunnelProtocol.RestartRequested(r.By)));
        Receive<GetTunnelSamples>(g => ForwardToTunnel(g.Name, TunnelProtocol.GetSamples.Instance));
        Receive<MoveTunnel>(m =>
        {
            // Only a tunnel with a partner gateway (and a cluster to reach it) can move; any other would never answer.
            if (_roster.Find(m.Name) is { } entry && (entry.Settings.PartnerNode is null || _settings.Cluster is null))
                Sender.Tell(new TunnelProtocol.CommandRejected(m.Name,
                    "this tunnel has no standby gateway: give it Standby (on its primary) and Primary (on the standby) to move it"));
            else ForwardToTunnel(m.Name, m);
        });
        Receive<TakeOverTunnel>(t => ForwardToTunnel(t.Name, t));
        Receive<PauseTunnel>(p => ForwardToTunnel(p.Name, new TunnelProtocol.PauseRequested(p.By, p.Reason)));
        Receive<ResumeTunnel>(r => ForwardToTunnel(r.Name, new TunnelProtocol.ResumeRequested(r.By)));
        Receive<ReleaseTunnel>(r => ForwardToTunnel(r.Name, new TunnelProtocol.ReleaseRequested(r.By)));
        Receive<PauseSite>(p => TellSite(p.Site, new TunnelProtocol.PauseRequested(p.By, p.Reason)));
        Receive<ResumeSite>(r => TellSite(r.Site, new TunnelProtocol.ResumeRequested(r.By)));
        // Answers of tunnels to site-wide commands: the asker was already told which tunnels got them.
        Receive<TunnelProtocol.CommandAccepted>(_ => { });
        Receive<TunnelProtocol.CommandRejected>(r => _log.Info("Tunnel {Tunnel} did not take a site command: {Reason}", r.Tunnel, r.Reason));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="budget">The cluster's restart-budget singleton (its proxy); null: the node's own limits only.</param>
    public static Props Props(FleetSettings settings, IWireGuard wireGuard, Func<double>? unitRandom = null, IProber? prober = null,
        IActorRef? budget = null) =>
        Akka.Actor.Props.Create(() => new FleetActor(settings, wireGuard, prober, unitRandom ?? Random.Shared.NextDouble, budget));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>A tunnel actor that throws is restarted from its journal; its siblings do not notice.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: 10, withinTimeRange: TimeSpan.FromMinutes(1), localOnlyDecider: _ => Directive.Restart);

    protected override void PreStart()
    {
        foreach (var tunnel in _settings.Tunnels) StartTunnel(tunnel);
        NoteWhetherRecovered();
        if (_settings.PollInterval is { } interval)
            _poller = Context.ActorOf(PollerActor.Props(_settings.Namespaces, interval, _wireGuard, Self), "poller");
        Timers.StartPeriodicTimer(LeaseTimer, ExpireLeases.Instance, LeaseCheckInterval);
        if (_settings.Cluster is not { } cluster) return;
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        if (_budget is not null)
            _budgetClient = Context.ActorOf(BudgetClientActor.Props(
                new BudgetClientSettings(_settings.Node, cluster.LeaseDuration, cluster.BudgetAnswerTimeout, _settings.Limits.MaxConcurrent),
                _budget, mediator), "budget-client");
        Timers.StartPeriodicTimer(PublishTimer, PublishState.Instance, TimeSpan.Zero, cluster.PublishEvery);
    }

    // ---- The roster --------------------------------------------------------------------------------

    private void StartTunnel(TunnelSettings tunnel)
    {
        var warnings = _wireGuard.Diagnose(tunnel);
        foreach (var warning in warnings) _log.Warning("Tunnel {Tunnel}: {Warning}", tunnel.Name, warning);
        var historyName = HistoryNameOf(tunnel.Name);
        var history = Context.Child(historyName) is { } existing && !existing.IsNobody()
            ? existing
            : Context.ActorOf(TunnelHistory.Props(TunnelActor.PersistenceIdFor(_settings.Node, tunnel.Name), _settings.History), historyName);
        var supervising = TunnelActor.Props(tunnel, _settings.Node, Self, _wireGuard, _unitRandom, _settings.History, _prober, warnings, history,
            polled: _settings.PollInterval is not null);
        // A tunnel that can move between two gateways is carried here only while this node is the one that has it.
        var props = tunnel.PartnerNode is not null && _settings.Cluster is not null
            ? MovableTunnelActor.Props(tunnel, _settings.Node, Self, _wireGuard, history, _ => supervising)
            : supervising;
        var child = Context.Watch(Context.ActorOf(props, ActorNameOf(tunnel.Name)));
        _roster.Enlist(tunnel, child, TunnelSummary.NotYetObserved(tunnel, _settings.Node));
        TellSharedCauses(_commonCause.Enlist(tunnel));
    }

    /// <summary>Tunnel names are validated to [A-Za-z0-9._-]; the prefix keeps them clear of Akka's reserved names.</summary>
    private static string ActorNameOf(string tunnel) => "tunnel-" + Uri.EscapeDataString(tunnel);

    private static string HistoryNameOf(string tunnel) => "history-" + Uri.EscapeDataString(tunnel);

    /// <summary>Whether a tunnel of this name was retired and its actor or history has not stopped yet.</summary>
    private bool IsStopping(string tunnel) =>
        !Context.Child(ActorNameOf(tunnel)).IsNobody() || !Context.Child(HistoryNameOf(tunnel)).IsNobody();

    private void FanOut(PollerActor.NamespaceObserved observed)
    {
        var snapshot = observed.Snapshot;
        RecordPoll(snapshot.Namespace, success: snapshot.At, failure: null, error: null);
        if (_settings.DiscoveryTemplate is { } template) DiscoverNewPeers(snapshot, template);
        NoteWhetherRecovered();
        foreach (var entry in _roster.InNamespace(snapshot.Namespace))
        {
            var tunnel = entry.Settings;
            var observation = snapshot.Observe(tunnel.Interface, tunnel.PeerPublicKey);
            if (tunnel.Discovered && observation.Peer is null && ShouldRetire(entry))
            {
                Retire(entry, observation.InterfacePresent ? "its peer was removed from the interface" : "its interface is gone");
                continue;
            }
            entry.Actor.Tell(new TunnelProtocol.Observed(observation));
        }
    }

    /// <summary>Level-triggered discovery: every peer on a watched interface is supervised, found or configured.</summary>
    private void DiscoverNewPeers(NamespaceSnapshot snapshot, TunnelSettings template)
    {
        foreach (var iface in snapshot.Interfaces.Values)
        foreach (var peer in iface.Peers)
        {
            var key = new TunnelKey(snapshot.Namespace, iface.Name, peer.PublicKey);
            if (_roster.Contains(key)) continue;
            var name = _roster.UniqueName(DiscoveredName(key));
            // A retired peer that came straight back: its actors still write their last events and stop. Reusing their
            // names now would fail (or attach to a stopping history); a later poll finds the peer again.
            if (IsStopping(name)) continue;
            var settings = WithApplicableLadder(template with
            {
                Name = name,
                Interface = iface.Name,
                PeerPublicKey = peer.PublicKey,
                Namespace = snapshot.Namespace,
                WgQuickConfig = $"/etc/wireguard/{iface.Name}.conf",
                Discovered = true,
            });
            _log.Info("Discovered peer {Peer} on {Interface} in {Namespace}: supervising it as {Tunnel}", peer.PublicKey, iface.Name,
                snapshot.Namespace ?? "the host namespace", settings.Name);
            StartTunnel(settings);
        }
    }

    /// <summary>The repair ladder of a discovered tunnel: the rungs its WireGuard can climb.</summary>
    private TunnelSettings WithApplicableLadder(TunnelSettings settings) =>
        _wireGuard.TryReadConfiguredEndpoint(settings, out var endpoint)
            ? settings with { Ladder = RepairLadder.ApplicableTo(settings.Ladder, endpoint) }
            : settings;

    /// <summary>A discovered tunnel whose conf still declares its peer is wanted: it is repaired, not retired.</summary>
    private bool ShouldRetire(RosterEntry entry) =>
        !_wireGuard.IsDeclared(entry.Settings) && entry.Summary.Phase != TunnelPhase.Restarting;

    private void Retire(RosterEntry entry, string reason)
    {
        Context.Unwatch(entry.Actor);
        entry.Actor.Tell(new TunnelProtocol.Retire(reason));
        _roster.Retire(entry.Name);
        TellSharedCauses(_commonCause.Retire(entry.Name));
        ReleaseAll(entry.Name);
        _log.Info("Tunnel {Tunnel} retired: {Reason}", entry.Name, reason);
        GrantWhatFits();
    }

    /// <summary>"ns.iface.1a2b3c4d" from the first bytes of the peer's key; letters, digits, '.', '-' only.</summary>
    public static string DiscoveredName(TunnelKey key)
    {
        var keyBytes = new byte[32];
        var suffix = Convert.TryFromBase64String(key.PeerPublicKey, keyBytes, out var length) && length >= 4
            ? Convert.ToHexStringLower(keyBytes, 0, 4)
            : "peer";
        var prefix = key.Namespace is null ? key.Interface : $"{key.Namespace}.{key.Interface}";
        prefix = new string(prefix.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray());
        return $"{prefix[..Math.Min(prefix.Length, 64 - 1 - suffix.Length)]}.{suffix}";
    }

    private void OnTunnelChanged(TunnelChanged changed)
    {
        // Retired tunnels may still report once; they are gone from the view.
        if (!_roster.RecordSummary(changed.Summary)) return;
        NoteWhetherRecovered();
        TellSharedCauses(_commonCause.Observe(changed.Summary.Name, changed.Summary.EpisodeStartedAt));
        // Live views (the dashboard's stream, metrics, webhooks) listen on the event stream, the cluster on pub-sub.
        Context.System.EventStream.Publish(changed);
        PublishToCluster(changed.Summary);
    }

    /// <summary>
    /// Start-up is over once every namespace has been read once (discovery may find tunnels there) and no tunnel is recovering
    /// any more; later recoveries (a restarted actor, a newly discovered peer) do not undo it.
    /// </summary>
    private void NoteWhetherRecovered()
    {
        if (_recovered || _roster.RecoveringCount > 0) return;
        if (_settings.PollInterval is not null &&
            !_settings.Namespaces.All(ns => _pollsByNamespace.TryGetValue(ns ?? "", out var poll) && poll.LastSuccess is not null)) return;
        _recovered = true;
        _log.Info("Every tunnel ({Count}) has recovered its state and been observed: ready", _roster.Count);
    }

    private void OnTunnelTerminated(Terminated terminated)
    {
        // Histories are not watched; only a tunnel actor that stopped for good lands here.
        if (_roster.FindByActor(terminated.ActorRef) is not { } entry) return;
        ReleaseAll(entry.Name);
        _log.Error("Tunnel actor {Tunnel} stopped for good (too many failures); starting it again", entry.Name);
        StartTunnel(entry.Settings);
        GrantWhatFits();
    }

    /// <summary>The tunnel answers the asker itself.</summary>
    private void ForwardToTunnel(string name, object command)
    {
        if (_roster.Find(name) is { } entry) entry.Actor.Forward(command);
        else Sender.Tell(new TunnelNotFound(name));
    }

    private void TellSite(string site, object command)
    {
        var members = _roster.OfSite(site);
        if (members.Count == 0)
        {
            Sender.Tell(new SiteNotFound(site));
            return;
        }
        foreach (var member in members) member.Actor.Tell(command);
        Sender.Tell(new SiteCommandSent(site, members.Select(m => m.Name).ToList()));
    }

    /// <summary>Something decided here that concerns the tunnel: it records it in its history, with a warning.</summary>
    private void Note(string tunnel, ITunnelEvent recorded, string warning) =>
        _roster.Find(tunnel)?.Actor.Tell(new TunnelProtocol.Note(recorded, warning));

    private void RecordPoll(string? ns, DateTimeOffset? success, DateTimeOffset? failure, string? error)
    {
        var key = ns ?? "";
        _pollsByNamespace.TryGetValue(key, out var previous);
        _pollsByNamespace[key] = new PollStatus(ns, success ?? previous?.LastSuccess, failure ?? previous?.LastFailure,
            success is not null ? null : error ?? previous?.LastError);
    }

    // ---- Common causes ------------------------------------------------------------------------------

    private void TellSharedCauses(IReadOnlyList<(string Tunnel, SharedCause? Cause)> changes)
    {
        foreach (var (tunnel, cause) in changes)
        {
            if (cause is not null) _log.Info("Tunnel {Tunnel}: {Cause}", tunnel, cause.Describe());
            _roster.Find(tunnel)?.Actor.Tell(new TunnelProtocol.SharedCauseChanged(cause, _commonCause.Policy.PingEndpoints));
        }
    }

    /// <summary>
    /// The first peer repair of an episode waits a moment when the tunnel could share a cause with others and has no
    /// underlay probe to tell: if the others fail too, the tunnels hold instead of repairing what no repair can fix.
    /// </summary>
    private PermitRequest Settling(PermitRequest request)
    {
        if (request.InterfaceWide || request.UnderlayAnswered || _roster.Find(request.Tunnel)?.Settings.UnderlayProbe != false
            || !_commonCause.CouldShareACause(request.Tunnel))
            return request;
        var notBefore = request.StaleSince + _commonCause.Policy.Settle;
        if (notBefore <= Now) return request;
        Timers.StartSingleTimer((SettleTimer, request.Tunnel), PermitsSettled.Instance, notBefore - Now);
        return request with { NotBefore = notBefore };
    }

    // ---- The permit book ---------------------------------------------------------------------------

    private void GrantWhatFits()
    {
        foreach (var permit in _permits.GrantWhatFits(Now))
        {
            if (!_roster.Contains(permit.Request.Tunnel)) _permits.Release(permit.Request.Tunnel);
            else if (_budgetClient is not null) _budgetClient.Tell(new SecureLease(permit));
            else Deliver(permit);
        }
    }

    /// <summary>The permit reaches its tunnel (after the cluster budget leased it, when there is one).</summary>
    private void Deliver(Permit permit) =>
        _roster.Find(permit.Request.Tunnel)?.Actor.Tell(new TunnelProtocol.PermitGranted(permit.Id, permit.Request.RequestId));

    /// <summary>Whether this very permit (not an earlier one of the same tunnel) is still granted.</summary>
    private bool HoldsPermit(Permit permit) => _permits.Granted.Any(p => p.Id == permit.Id);

    /// <summary>Forgets the tunnel's permit or request here and, in a cluster, its lease.</summary>
    private void ReleaseAll(string tunnel)
    {
        _permits.Release(tunnel);
        ReturnLease(tunnel);
    }

    private void ReturnLease(string tunnel) => _budgetClient?.Tell(new ReturnLease(tunnel));

    private void ExpireLeasesNow()
    {
        var expired = _permits.Expire(Now);
        foreach (var permit in expired) ReturnLease(permit.Request.Tunnel);
        foreach (var permit in expired)
            _log.Warning("Permit {PermitId} of tunnel {Tunnel} expired after {Lease}; its holder is presumed lost",
                permit.Id, permit.Request.Tunnel, _settings.Limits.Lease);
        if (expired.Count > 0) GrantWhatFits();
    }

    private FleetStatus BuildStatus() => new(
        _permits.Granted.Count,
        _settings.Limits.MaxConcurrent,
        _permits.Granted.Select(p => p.Request.Tunnel).Order(StringComparer.Ordinal).ToList(),
        _permits.Waiting.Select(r => r.Tunnel).ToList(),
        _pollsByNamespace.Values.OrderBy(p => p.Namespace ?? "", StringComparer.Ordinal).ToList(),
        _roster.PendingHistoryEvents,
        _roster.HistoryProblems,
        _recovered,
        _roster.Recovering);

    // ---- Publication to the cluster ----------------------------------------------------------------

    private IActorRef Mediator => DistributedPubSub.Get(Context.System).Mediator;

    private void PublishAll()
    {
        if (_settings.Cluster is not { } cluster) return;
        Mediator.Tell(new Publish(TunnelsTopic, new NodeTunnels(_settings.Node, cluster.Address, _roster.Summaries, Now)));
    }

    /// <summary>
    /// Publishes a change at once only when it matters to an operator (state, reason, repairs, warnings):
    /// handshake ages and counters move on every poll and travel with the periodic full state instead, so that
    /// the cluster's traffic grows with changes, not with tunnels × polls.
    /// </summary>
    private void PublishToCluster(TunnelSummary summary)
    {
        if (_settings.Cluster is not { } cluster || !_roster.MarkPublished(summary.Name, Significant(summary))) return;
        Mediator.Tell(new Publish(TunnelsTopic, new TunnelDelta(_settings.Node, cluster.Address, summary)));
    }

    private static TunnelSummary Significant(TunnelSummary summary) =>
        summary with { LatestHandshake = null, RxBytes = 0, TxBytes = 0, ObservedAt = null, Verdict = null, Probe = null, Endpoint = null };
}
