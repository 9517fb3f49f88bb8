using Akka.Actor;
using Akka.Hosting;
using Prometheus;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Host.Admin;

namespace WgSupervisor.Host.Observability;

public static class MetricsEndpoint
{
    /// <summary>/metrics in Prometheus' text format; fleet-wide gauges are asked of the fleet just before each scrape.</summary>
    public static WebApplication MapPrometheusMetrics(this WebApplication app)
    {
        SuppressNonConformingRuntimeSeries();
        var fleet = app.Services.GetRequiredService<IRequiredActor<FleetActor>>();
        var directory = app.Services.GetRequiredService<ITunnelDirectory>();
        var members = new MemberMetrics();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(async cancellationToken =>
        {
            try
            {
                var status = await fleet.ActorRef.Ask<FleetProtocol.FleetStatus>(new FleetProtocol.GetFleetStatus(), TimeSpan.FromSeconds(3),
                    cancellationToken);
                WgMetrics.PermitsInUse.Set(status.PermitsInUse);
                WgMetrics.PermitsQueued.Set(status.Queue.Count);
                WgMetrics.PermitLimit.Set(status.PermitLimit);
                WgMetrics.HistoryBacklog.Set(status.PendingHistoryEvents);
                members.Update(await directory.NodesAsync(cancellationToken));
            }
            catch (AskTimeoutException)
            {
                // A scrape still answers with what is known.
            }
        });
        var system = app.Services.GetRequiredService<ActorSystem>();
        system.ActorOf(MetricsBridge.Props(), "metrics");
        app.MapMetrics("/metrics");
        return app;
    }

    /// <summary>
    /// The event-counter and meter adapters export .NET's runtime instruments under names that break Prometheus'
    /// rules (gauges ending in _count, a _total that is no counter), which promtool rejects. The process_* and
    /// dotnet_* collectors follow the rules and stay. Must run before the first scrape.
    /// </summary>
    private static void SuppressNonConformingRuntimeSeries() =>
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressEventCounters = true,
            SuppressMeters = true,
            SuppressDebugMetrics = true,
            SuppressProcessMetrics = false,
        });
}
