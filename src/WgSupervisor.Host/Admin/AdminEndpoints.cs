using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Host.Configuration;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// The admin endpoint. Every answer comes from the fleet actor (Ask with a time-out) or from the journal;
/// errors are problem+json naming the route parameter at fault.
/// </summary>
public static partial class AdminEndpoints
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex TunnelNamePattern();

    public static WebApplication MapAdminApi(this WebApplication app, SupervisorConfig config)
    {
        // Liveness: 503 only when the actor system is down; a degraded journal or poller shows in the body.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        // Readiness: 503 unless the journal and the poller are fine too.
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });

        var api = app.MapGroup("/api");
        api.MapGet("/tunnels", async (IRequiredActor<FleetActor> fleet, ActorSystem system, CancellationToken ct) =>
        {
            var list = await fleet.ActorRef.Ask<TunnelList>(new GetTunnels(), AskTimeout, ct);
            var now = system.Scheduler.Now;
            return Results.Ok(list.Tunnels.Select(t => TunnelResource.From(t, now)));
        });

        api.MapGet("/tunnels/{name}", async (string name, IRequiredActor<FleetActor> fleet, ActorSystem system, CancellationToken ct) =>
        {
            if (InvalidName(name) is { } invalid) return invalid;
            var reply = await fleet.ActorRef.Ask<object>(new GetTunnel(name), AskTimeout, ct);
            return reply is TunnelFound found ? Results.Ok(TunnelResource.From(found.Tunnel, system.Scheduler.Now)) : TunnelNotFoundProblem(name);
        });

        api.MapGet("/tunnels/{name}/events", async (string name, IRequiredActor<FleetActor> fleet, HistoryReader history, CancellationToken ct) =>
        {
            if (InvalidName(name) is { } invalid) return invalid;
            if (await fleet.ActorRef.Ask<object>(new GetTunnel(name), AskTimeout, ct) is not TunnelFound found) return TunnelNotFoundProblem(name);
            return Results.Ok(await history.ReadAsync(found.Tunnel.Node, name, ct));
        });

        api.MapPost("/tunnels/{name}/restart", async (string name, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
        {
            if (InvalidName(name) is { } invalid) return invalid;
            var reply = await fleet.ActorRef.Ask<object>(new RestartTunnel(name, "operator via admin API"), AskTimeout, ct);
            return reply switch
            {
                TunnelProtocol.RestartAccepted accepted => Results.Accepted($"/api/tunnels/{name}", new { tunnel = name, detail = accepted.Detail }),
                TunnelProtocol.RestartRejected rejected => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Restart not possible now",
                    detail: rejected.Reason, extensions: new Dictionary<string, object?> { ["parameter"] = "name", ["tunnel"] = name }),
                _ => TunnelNotFoundProblem(name),
            };
        });

        api.MapGet("/fleet", async (IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
            Results.Ok(await fleet.ActorRef.Ask<FleetStatus>(new GetFleetStatus(), AskTimeout, ct)));

        return app;
    }

    private static IResult? InvalidName(string name) =>
        TunnelNamePattern().IsMatch(name)
            ? null
            : Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid tunnel name",
                detail: "route parameter 'name' must be 1-64 letters, digits, '.', '_' or '-'",
                extensions: new Dictionary<string, object?> { ["parameter"] = "name" });

    private static IResult TunnelNotFoundProblem(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tunnel not found",
            detail: $"no tunnel named '{name}' is supervised here",
            extensions: new Dictionary<string, object?> { ["parameter"] = "name", ["tunnel"] = name });

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}
