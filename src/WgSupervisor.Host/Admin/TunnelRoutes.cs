using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Tunnels;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>/api/tunnels: list, detail, history, and the operator's commands.</summary>
public static class TunnelRoutes
{
    public sealed record PauseBody(string? Reason);

    public static void MapTunnelRoutes(this RouteGroupBuilder api)
    {
        api.MapGet("/tunnels", async (string? state, string? site, string? node, IRequiredActor<FleetActor> fleet, ActorSystem system,
            CancellationToken ct) =>
        {
            if (!RouteParameters.TryPhase(state, out var phase))
                return Problems.BadParameter("state", "one of unknown, healthy, stale, restarting, backoff, paused, quarantined");
            if (site is not null && RouteParameters.CheckName(site, "site") is { } badSite) return badSite;
            if (node is not null && RouteParameters.CheckName(node, "node") is { } badNode) return badNode;
            var list = await fleet.ActorRef.Ask<TunnelList>(new GetTunnels(), AdminEndpoints.AskTimeout, ct);
            var now = system.Scheduler.Now;
            return Results.Ok(list.Tunnels
                .Where(t => phase is null || t.Phase == phase)
                .Where(t => site is null || t.Site == site)
                .Where(t => node is null || t.Node == node)
                .Select(t => TunnelResource.From(t, now)));
        }).WithSummary("Every supervised tunnel, optionally filtered by state, site and node");

        api.MapGet("/tunnels/{name}", async (string name, IRequiredActor<FleetActor> fleet, ActorSystem system, CancellationToken ct) =>
        {
            if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
            var reply = await fleet.ActorRef.Ask<object>(new GetTunnel(name), AdminEndpoints.AskTimeout, ct);
            return reply is TunnelFound found ? Results.Ok(TunnelResource.From(found.Tunnel, system.Scheduler.Now)) : Problems.TunnelNotFound(name);
        }).WithSummary("One tunnel: state, reason, handshake age, traffic, probe, repairs, backoff");

        api.MapGet("/tunnels/{name}/events", async (string name, string? after, string? limit, IRequiredActor<FleetActor> fleet,
            HistoryReader history, CancellationToken ct) =>
        {
            if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
            if (!RouteParameters.TryLong(after, out var afterSeq)) return Problems.BadParameter("after", "a sequence number (whole number)");
            if (!RouteParameters.TryInt(limit, 1000, 1, 10_000, out var take)) return Problems.BadParameter("limit", "a whole number from 1 to 10000");
            if (await fleet.ActorRef.Ask<object>(new GetTunnel(name), AdminEndpoints.AskTimeout, ct) is not TunnelFound found)
                return Problems.TunnelNotFound(name);
            return Results.Ok(await history.ReadTunnelAsync(found.Tunnel.Node, name, afterSeq ?? 0, take, ct));
        }).WithSummary("A tunnel's history from the journal, oldest first (page with after=seq)");

        api.MapGet("/tunnels/{name}/samples", async (string name, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
        {
            if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
            var reply = await fleet.ActorRef.Ask<object>(new GetTunnelSamples(name), AdminEndpoints.AskTimeout, ct);
            return reply is TunnelProtocol.Samples samples
                ? Results.Ok(samples.Items.Select(s => new
                {
                    at = s.At, handshakeAgeSeconds = s.HandshakeAgeSeconds, rxBytes = s.RxBytes, txBytes = s.TxBytes,
                    state = TunnelResource.StateName(s.Phase),
                }))
                : Problems.TunnelNotFound(name);
        }).WithSummary("Recent observations (up to 720, oldest first) for charts of handshake age and traffic");

        api.MapPost("/tunnels/{name}/restart", (string name, HttpContext http, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
            CommandAsync(name, fleet, new RestartTunnel(name, AdminEndpoints.Operator(http)), ct))
            .RequireToken().WithSummary("Queue a repair (through the same permits as automatic repairs)");

        api.MapPost("/tunnels/{name}/pause", async (string name, HttpContext http, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
        {
            var reason = await ReadReasonAsync(http, ct);
            return await CommandAsync(name, fleet, new PauseTunnel(name, AdminEndpoints.Operator(http), reason), ct);
        }).RequireToken().WithSummary("Maintenance: keep observing, never repair (body: {\"reason\": \"...\"}, optional)");

        api.MapPost("/tunnels/{name}/resume", (string name, HttpContext http, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
            CommandAsync(name, fleet, new ResumeTunnel(name, AdminEndpoints.Operator(http)), ct))
            .RequireToken().WithSummary("End maintenance");

        api.MapPost("/tunnels/{name}/release", (string name, HttpContext http, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
            CommandAsync(name, fleet, new ReleaseTunnel(name, AdminEndpoints.Operator(http)), ct))
            .RequireToken().WithSummary("End a quarantine now");
    }

    private static async Task<IResult> CommandAsync(string name, IRequiredActor<FleetActor> fleet, object command, CancellationToken ct)
    {
        if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
        var reply = await fleet.ActorRef.Ask<object>(command, AdminEndpoints.AskTimeout, ct);
        return reply switch
        {
            TunnelProtocol.CommandAccepted accepted => Results.Accepted($"/api/tunnels/{name}", new { tunnel = name, detail = accepted.Detail }),
            TunnelProtocol.CommandRejected rejected => Problems.Conflict(name, rejected.Reason),
            _ => Problems.TunnelNotFound(name),
        };
    }

    /// <summary>An optional JSON body {"reason": "..."}; at most 200 characters are kept.</summary>
    public static async Task<string?> ReadReasonAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentLength is 0 || !http.Request.HasJsonContentType()) return null;
        try
        {
            var body = await http.Request.ReadFromJsonAsync<PauseBody>(ct);
            return body?.Reason is { Length: > 0 } reason ? reason[..Math.Min(reason.Length, 200)] : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
