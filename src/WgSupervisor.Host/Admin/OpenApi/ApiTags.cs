namespace WgSupervisor.Host.Admin;

/// <summary>The groups of the admin API's operations in the OpenAPI document, each with the sentence that describes it.</summary>
public static class ApiTags
{
    public const string Tunnels = "tunnels";
    public const string Sites = "sites";
    public const string Events = "events";
    public const string Fleet = "fleet";
    public const string Cluster = "cluster";
    public const string Health = "health";
    public const string Metrics = "metrics";
    public const string Dashboard = "dashboard";

    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        (Tunnels, "The supervised tunnels: state, history, observations, live changes, and the operator's commands"),
        (Sites, "Maintenance of every tunnel of a site at once, on every node"),
        (Events, "The fleet's history from the journal, filtered and paged"),
        (Fleet, "Repair permits, polls, history backlog, and the effective configuration"),
        (Cluster, "The members of the cluster"),
        (Health, "Liveness and readiness, open without a token for load balancers and service managers"),
        (Metrics, "Prometheus metrics in the text exposition format"),
        (Dashboard, "The live dashboard for browsers: a page and its files"),
    ];
}

/// <summary>
/// A route that reads an optional JSON body by hand (so that a missing or malformed body is not an error): the OpenAPI
/// document describes it as an optional request body of <see cref="Type"/>. Only a description: no content-type check.
/// </summary>
public sealed record OptionalJsonBody(Type Type);

public static class OptionalJsonBodyExtensions
{
    public static RouteHandlerBuilder WithOptionalJsonBody<T>(this RouteHandlerBuilder builder) => builder.WithMetadata(new OptionalJsonBody(typeof(T)));
}
