using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Host.Configuration;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>/api/fleet (permits, queue, polls, history backlog) and /api/config (effective settings, secrets redacted).</summary>
public static class FleetRoutes
{
    public static void MapFleetRoutes(this RouteGroupBuilder api, SupervisorSettings config)
    {
        api.MapGet("/fleet", async (IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
            Results.Ok(await fleet.ActorRef.Ask<FleetStatus>(new GetFleetStatus(), AdminEndpoints.AskTimeout, ct)))
            .WithSummary("Permits in use and queued, last poll per namespace, history backlog")
            .WithName("getFleetStatus").WithTags(ApiTags.Fleet).Produces<FleetStatus>();

        var effective = EffectiveConfig(config);
        api.MapGet("/config", () => Results.Ok(effective)).WithSummary("The effective configuration, secrets redacted")
            // The anonymous shape itself is described (its nested objects inline), so that the document follows the code.
            .WithName("getConfig").WithTags(ApiTags.Fleet).Produces(StatusCodes.Status200OK, effective.GetType());
    }

    private static object EffectiveConfig(SupervisorSettings config) => new
    {
        config.NodeName,
        adminUrl = config.AdminUrl.ToString(),
        adminToken = config.AdminToken.ToString(),
        adminReadToken = config.AdminReadToken.ToString(),
        pollIntervalSeconds = config.PollInterval.TotalSeconds,
        config.MaxConcurrentRestarts,
        config.MaxConcurrentRestartsPerSite,
        config.MaxConcurrentPeerRepairs,
        commonCause = new
        {
            config.CommonCause.Enabled, windowSeconds = config.CommonCause.Window.TotalSeconds, config.CommonCause.Fraction, config.CommonCause.MinTunnels,
        },
        journal = new
        {
            provider = config.Journal.Provider.ToString(),
            sqlitePath = config.Journal.Provider == JournalProvider.Sqlite ? Path.GetFullPath(config.Journal.SqlitePath) : null,
            connectionString = config.Journal.ConnectionString is null ? null : ConnectionStrings.Redact(config.Journal.ConnectionString),
            config.Journal.SnapshotEvery,
        },
        webhooks = config.Webhooks.Select(w => w.ToString()),
        config.Discover,
        namespaces = config.Namespaces.Select(n => n ?? "(host)"),
        tunnels = config.Tunnels.Select(t => new
        {
            t.Name, t.Interface, t.PeerPublicKey, t.Namespace, t.WgQuickConfig, t.Site, t.Uplink, t.UnderlayProbe,
            staleAfterSeconds = t.StaleAfter.TotalSeconds,
            verifyTimeoutSeconds = t.VerifyTimeout.TotalSeconds,
            ladder = t.Ladder.Select(r => r.ToWireName()),
            backoff = new { baseSeconds = t.Backoff.Base.TotalSeconds, t.Backoff.Factor, capSeconds = t.Backoff.Cap.TotalSeconds },
            probe = t.Probe?.ToString(),
            endpointHost = t.Repair.EndpointHost,
            systemdUnit = t.Repair.SystemdUnit,
            command = t.Repair.Command,
            quarantine = new { t.Quarantine.MaxRepairs, windowSeconds = t.Quarantine.Window.TotalSeconds, t.Quarantine.ReleaseAfterWindow },
        }),
        config.Warnings,
    };
}
