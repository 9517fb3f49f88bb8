using Akka.Actor;
using Akka.Event;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Ports;
using WgSupervisor.Domain.Probing;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Tunnels;

// How the tunnel actor carries out what its phases call for: judging, answering commands, repairs and their
// verification, permits, probes, publishing its summary. The phases and the transitions between them are in
// TunnelActor.cs.
public sealed partial class TunnelActor
{
    // ---- Judgements and commands --------------------------------------------------------------------

    /// <summary>An observation's verdict as events, with the flapping quarantine applied.</summary>
    private IReadOnlyList<ITunnelEvent> Judged(TunnelObservation observation) =>
        TunnelRules.WithQuarantine(_state, _settings, TunnelRules.OnVerdict(_state, _watch.Judge(observation, _state.Phase, Now), Now), Now);

    /// <summary>Judges the last observation again in the light of a new probe result.</summary>
    private void Rejudge()
    {
        if (_watch.LastObservation is { } last) Transition(Judged(last));
        else Publish();
    }

    private void ConfirmAndRejudge(ProbeConfirmed confirmed)
    {
        _watch.RecordConfirmation(confirmed.Result, Now);
        Rejudge();
    }

    private void AcceptOperatorRestart(RestartRequested request) => Command(TunnelRules.OnOperatorRestart(_state, Now, request.By),
        "queued for a repair permit", $"cannot restart in phase {_state.Phase}");

    /// <summary>Records the events of an operator's command, and answers it: accepted when there were any.</summary>
    private void Command(IReadOnlyList<ITunnelEvent> events, string accepted, string? rejected = null)
    {
        Transition(events);
        Sender.Tell(events.Count > 0
            ? new CommandAccepted(_settings.Name, accepted)
            : new CommandRejected(_settings.Name, rejected ?? $"nothing to do in phase {_state.Phase}"));
    }

    // ---- Diagnosis ----------------------------------------------------------------------------------

    /// <summary>Looks up what the diagnosis needs beyond what is watched: the endpoint name now, and the underlay probe.</summary>
    /// <param name="freshObservation">Also ask for a poll now, and let the diagnosis wait (briefly) for its observation.</param>
    private void GatherEvidence(bool freshObservation)
    {
        var token = ++_evidenceToken;
        // What an earlier gathering found and is still waiting to judge is superseded (it may lack the ping asked for now).
        _gathered = null;
        _gatheringSince = Now;
        _freshWaitOver = !(freshObservation && _polled);
        if (!_freshWaitOver)
        {
            _fleet.Tell(Observation.PollerActor.PollNow.Instance);
            Timers.StartSingleTimer(FreshObservationTimer, FreshObservationWaited.Instance, FreshObservationWait);
        }
        var target = _prober is null ? null : _watch.UnderlayTarget(_pingOnSharedCause);
        var currentEndpoint = _watch.LastObservation?.Peer?.Endpoint;
        Gather().PipeTo(Self, failure: _ => new EvidenceGathered(token, EndpointResolution.NotApplicable, null));

        // The name first: when it shows the site moved, pinging the address it left would only cost the probe's wait.
        async Task<EvidenceGathered> Gather()
        {
            var resolution = await _wireGuard.ResolveEndpointAsync(_settings, _stopping.Token);
            var moved = resolution.HasAnswer && !resolution.Includes(currentEndpoint);
            return target is null || moved
                ? new EvidenceGathered(token, resolution, null)
                : new EvidenceGathered(token, resolution, await ProbeUnderlayAsync(target), target);
        }
    }

    /// <summary>A few pings of the endpoint's address outside the tunnel: any answer means the underlay carries packets.</summary>
    private async Task<bool?> ProbeUnderlayAsync(string target)
    {
        var ping = new ProbeSettings(ProbeKind.Icmp, target, null, UnderlayProbeWait, UnderlayProbeWait, 1);
        var result = await _prober!.ConfirmAsync(_settings.Namespace, ping, UnderlayProbeCount, ProbeSettings.ConfirmSpacing, UnderlayProbeWait, _stopping.Token);
        return result.Succeeded;
    }

    private const int UnderlayProbeCount = 3;
    private static readonly TimeSpan UnderlayProbeWait = TimeSpan.FromSeconds(1);

    /// <summary>Diagnoses what was gathered once an observation at least as new as the gathering is in (or the wait is over).</summary>
    private void DiagnoseWhenFresh()
    {
        if (_gathered is not { } gathered) return;
        if (!_freshWaitOver && (_watch.LastObservation?.At ?? DateTimeOffset.MinValue) < _gatheringSince) return;
        _gathered = null;
        Timers.Cancel(FreshObservationTimer);
        ActOnDiagnosis(Diagnose(gathered));
    }

    private Diagnosis Diagnose(EvidenceGathered gathered)
    {
        var diagnosis = Diagnostician.Diagnose(_watch.Evidence(_state, gathered.Resolution, gathered.UnderlayAnswers, gathered.UnderlayTarget));
        _underlayAnswered = gathered.UnderlayAnswers == true;
        if (diagnosis != _watch.Diagnosis) _log.Info("Tunnel {Tunnel}: diagnosed {Diagnosis}", _settings.Name, diagnosis);
        _watch.Diagnosed(diagnosis);
        return diagnosis;
    }

    /// <summary>Holds, or asks the fleet for a permit for the one rung the diagnosis chose.</summary>
    private void ActOnDiagnosis(Diagnosis diagnosis)
    {
        if (diagnosis.Holds)
        {
            Transition(TunnelRules.OnDiagnosedHold(_state, diagnosis, Now));
            return;
        }
        _diagnosis = diagnosis;
        RequestPermit();
        Publish();
    }

    /// <summary>
    /// Ends a hold whose evidence cleared. When nothing points at a cause of its own (only a lost session is left), the
    /// tunnel first gives WireGuard one handshake retry (REKEY_TIMEOUT): its siblings came back, so it most likely will too,
    /// and a reset now would only restart the handshake WireGuard is about to finish.
    /// </summary>
    private void EndHoldWhenCleared(Diagnosis diagnosis)
    {
        if (diagnosis.Holds)
        {
            _holdClearedAt = null;
            return;
        }
        _holdClearedAt ??= Now;
        if (diagnosis.Cause == Cause.SessionLost && Now - _holdClearedAt < HoldGrace) return;
        Transition(TunnelRules.OnHoldCleared(_state, diagnosis, Now));
    }

    private static readonly TimeSpan HoldGrace = Thresholds.RekeyTimeout + TimeSpan.FromSeconds(1);

    /// <summary>
    /// A confirmed probe failure while verifying, with no fresh handshake since the repair began: our initiation went
    /// unanswered, so the repair has failed, and waiting out the verify timeout would only delay what comes next.
    /// </summary>
    private void FailEarlyIfUnanswered(TunnelObservation last)
    {
        var repair = _state.CurrentRepair!;
        if (!_watch.Probe.IsFailing(_settings.Probe!) ||
            HealthRules.IsFreshSince(last.Peer?.LatestHandshake, repair.StartedAt, _watch.HandshakeBeforeRepair))
        {
            Publish();
            return;
        }
        Transition(TunnelRules.OnRepairFailed(_state, _settings, RepairOutcome.VerifyTimedOut,
            $"our fresh handshake went unanswered and the probe failed ({_watch.Probe.LastError})", Now, _unitRandom()));
    }

    // ---- Repairs and permits ------------------------------------------------------------------------

    private void StartRepair(RepairInFlight repair)
    {
        var token = ++_repairToken;
        _watch.RepairStarting();
        Timers.StartSingleTimer(RepairDeadlineTimer, new VerifyTimedOut(token), ActionDeadline);
        _wireGuard.RepairAsync(repair.Rung, _settings, _stopping.Token).PipeTo(Self,
            success: result => new RepairActionCompleted(token, result),
            failure: error => new RepairActionCompleted(token, RepairActionResult.Failed(error.GetBaseException().Message)));
    }

    private TimeSpan VerifyTimeout => _settings.VerifyTimeoutFor(_state.CurrentRepair!.Rung);

    private void StartVerifying(RepairActionResult done)
    {
        _log.Info("Tunnel {Tunnel}: {Rung} done ({Detail}); verifying within {Timeout}", _settings.Name,
            _state.CurrentRepair!.Rung.ToWireName(), done.Detail, VerifyTimeout);
        Become(Verifying);
        Timers.StartSingleTimer(RepairDeadlineTimer, new VerifyTimedOut(_repairToken), VerifyTimeout);
        // Look again at once rather than at the next interval: the repair may already have worked.
        _fleet.Tell(Observation.PollerActor.PollNow.Instance);
        if (_settings.Probe is not null) Self.Tell(ProbeDue.Instance);
        if (_watch.LastObservation is { } last) CheckVerification(last);
    }

    private void CheckVerification(TunnelObservation observation)
    {
        // Verified means the sign the repair was for arrived, and the tunnel is judged sound by the usual rules too:
        // a "success" that the next judgement calls stale would loop.
        if (!_watch.IsRepairVerified(observation, _state.CurrentRepair!.StartedAt) ||
            _watch.Judge(observation, _state.Phase, Now) is HealthVerdict.Stale)
        {
            Publish();
            return;
        }
        Transition(TunnelRules.OnRepairVerified(_state, Now, _watch.VerifiedBy(observation)));
    }

    private void RequestPermit() => _fleet.Tell(new TunnelToFleet.RequestPermit(new PermitRequest(_settings.Name, _settings.Key.InterfaceKey,
        _settings.Site, InterfaceWide: (_diagnosis?.Rung ?? TunnelRules.NextRung(_state, _settings)).IsInterfaceWide(),
        StaleSince: _state.EpisodeStartedAt ?? Now, RequestedAt: Now, RequestId: ++_requestId, UnderlayAnswered: _underlayAnswered)));

    /// <summary>
    /// A shared cause appeared while the tunnel waits for a permit: the request is taken back (a grant on its way is
    /// returned, its number no longer matches) until the evidence, pinged anew, says whether to hold or repair.
    /// </summary>
    private void RethinkUnderSharedCause()
    {
        _fleet.Tell(new TunnelToFleet.WithdrawPermitRequest(_settings.Name));
        _requestId++;
        _diagnosis = null;
        GatherEvidence(freshObservation: false);
    }

    private void ReleasePermit()
    {
        if (_permitId is { } id) _fleet.Tell(new TunnelToFleet.ReleasePermit(_settings.Name, id));
        _permitId = null;
    }

    // ---- Probes -------------------------------------------------------------------------------------

    private void StartProbe()
    {
        if (_prober is null || _settings.Probe is not { } probe || !_watch.TryStartProbe()) return;
        _prober.ProbeAsync(_settings.Namespace, probe, _stopping.Token).PipeTo(Self,
            success: result => new ProbeCompleted(result),
            failure: error => new ProbeCompleted(ProbeResult.Failed(error.GetBaseException().Message)));
    }

    private void RecordProbe(ProbeCompleted completed)
    {
        if (_watch.RecordProbe(completed.Result, Now)) _log.Info("Tunnel {Tunnel}: probe {Probe} answers", _settings.Name, _settings.Probe);
        if (_watch.TryStartConfirmation()) StartConfirmation(_settings.Probe!);
    }

    /// <summary>A missed probe is confirmed or cleared at once by a quick burst, rather than after more whole intervals.</summary>
    private void StartConfirmation(ProbeSettings probe) =>
        _prober!.ConfirmAsync(_settings.Namespace, probe, probe.ConfirmProbes, ProbeSettings.ConfirmSpacing, probe.ConfirmWait, _stopping.Token).PipeTo(Self,
            success: result => new ProbeConfirmed(result),
            failure: error => new ProbeConfirmed(ProbeResult.Failed(error.GetBaseException().Message)));

    // ---- Publishing and stopping --------------------------------------------------------------------

    private void Publish()
    {
        var summary = _watch.Summary(_state, awaitsFirstObservation: _polled);
        if (summary == _lastPublished) return;
        _lastPublished = summary;
        _fleet.Tell(new TunnelToFleet.TunnelChanged(summary));
    }

    private void ReportBacklog(TunnelHistory.HistoryBacklog backlog) =>
        _fleet.Tell(new TunnelToFleet.HistoryStatus(_settings.Name, backlog.PendingEvents, backlog.Problem));

    private void StopWithHistory()
    {
        if (_externalHistory is not null) _externalHistory.Tell(PoisonPill.Instance);
        Context.Stop(Self);
    }
}
