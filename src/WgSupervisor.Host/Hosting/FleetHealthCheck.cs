using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WgSupervisor.Actors.Fleet;

namespace WgSupervisor.Host.Hosting;

/// <summary>
/// Has every tunnel recovered its state and been observed once since start-up, is the poller reading WireGuard, and is every
/// tunnel's history reaching the journal? Asked of the fleet. Registered as Degraded on failure: /healthz stays 200, /readyz is 503.
/// </summary>
public sealed class FleetHealthCheck(IRequiredActor<FleetActor> fleet) : IHealthCheck
{
    public const string Name = "fleet";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private const int RecoveringNamesShown = 10;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        FleetProtocol.FleetStatus status;
        try
        {
            status = await fleet.ActorRef.Ask<FleetProtocol.FleetStatus>(new FleetProtocol.GetFleetStatus(), Timeout, cancellationToken);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"the fleet actor did not answer within {Timeout.TotalSeconds:0} s");
        }
        var problems = new List<string>();
        var recovering = status.RecoveringTunnels ?? [];
        if (!status.Recovered)
            problems.Add($"{recovering.Count} tunnel(s) still recovering their state or awaiting a first observation" +
                         (recovering.Count > 0 ? $": {string.Join(", ", recovering.Take(RecoveringNamesShown))}{(recovering.Count > RecoveringNamesShown ? ", …" : "")}" : ""));
        foreach (var poll in status.Polls.Where(p => p.LastFailure > (p.LastSuccess ?? DateTimeOffset.MinValue)))
            problems.Add($"poll of {poll.Namespace ?? "host namespace"} failing: {poll.LastError}");
        problems.AddRange(status.HistoryProblems);
        if (status.PendingHistoryEvents > 0 && status.HistoryProblems.Count > 0)
            problems.Add($"{status.PendingHistoryEvents} event(s) wait for the journal");
        var data = new Dictionary<string, object>
        {
            ["permitsInUse"] = status.PermitsInUse,
            ["queued"] = status.Queue.Count,
            ["pendingHistoryEvents"] = status.PendingHistoryEvents,
            ["recovering"] = recovering.Count,
        };
        return problems.Count == 0
            ? HealthCheckResult.Healthy("tunnels recovered, polling and history ok", data)
            : new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data);
    }
}
