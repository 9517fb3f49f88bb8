using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WgSupervisor.Actors.Fleet;

namespace WgSupervisor.Host.Hosting;

/// <summary>Is the poller reading WireGuard, and is every tunnel's history reaching the journal? Asked of the fleet.</summary>
public sealed class FleetHealthCheck(IRequiredActor<FleetActor> fleet) : IHealthCheck
{
    public const string Name = "fleet";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

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
        };
        return problems.Count == 0
            ? HealthCheckResult.Healthy("polling and history ok", data)
            : new HealthCheckResult(context.Registration.FailureStatus, string.Join("; ", problems), data: data);
    }
}
