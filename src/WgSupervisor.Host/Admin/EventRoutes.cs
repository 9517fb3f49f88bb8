using WgSupervisor.Host.Admin.Contracts;

namespace WgSupervisor.Host.Admin;

/// <summary>/api/events: the fleet's history, filtered and paged, from the journal.</summary>
public static class EventRoutes
{
    public static void MapEventRoutes(this RouteGroupBuilder api)
    {
        api.MapGet("/events", async (string? since, string? until, string? tunnel, string? type, string? after, string? limit,
            HistoryReader history, CancellationToken ct) =>
        {
            if (!RouteParameters.TryTime(since, out var sinceTime)) return Problems.BadParameter("since", "an ISO 8601 time, e.g. 2026-11-25T10:00:00Z");
            if (!RouteParameters.TryTime(until, out var untilTime)) return Problems.BadParameter("until", "an ISO 8601 time, e.g. 2026-11-25T11:00:00Z");
            if (tunnel is not null && RouteParameters.CheckName(tunnel, "tunnel") is { } badTunnel) return badTunnel;
            if (type is not null && !HistoryReader.EventTypes.Contains(type))
                return Problems.BadParameter("type", $"one of {string.Join(", ", HistoryReader.EventTypes)}");
            if (!RouteParameters.TryLong(after, out var afterOffset)) return Problems.BadParameter("after", "the 'next' of the previous page");
            if (!RouteParameters.TryInt(limit, 100, 1, 1000, out var take)) return Problems.BadParameter("limit", "a whole number from 1 to 1000");
            var page = await history.ReadAllAsync(new HistoryReader.Filter(sinceTime, untilTime, tunnel, type), afterOffset ?? 0, take, ct);
            return Results.Ok(new { events = page.Events, next = page.Next });
        }).WithSummary("History across the fleet: ?since=&until=&tunnel=&type=&limit=, next page with ?after=<next>")
            .WithName("listEvents").WithTags(ApiTags.Events)
            .Produces<EventPageResource>().ProducesProblem(StatusCodes.Status400BadRequest);
    }
}
