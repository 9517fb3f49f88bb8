using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// What every route of the admin endpoint shares, added to the document: the token schemes and who needs them (see
/// <see cref="AdminAccess"/>), the refusals 401/403/429 and the 500 problem, and the routes that are not minimal-API
/// handlers (health, metrics, dashboard). The document is the same whatever the admin URL: it describes the rules of an
/// endpoint reachable from other hosts; on loopback, reads simply need no token.
/// </summary>
internal sealed class AdminApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearerToken";
    public const string BasicScheme = "basicToken";
    private const string ProblemSchema = "ProblemDetails";
    private const string HealthSchema = "HealthReport";
    private const string HealthCheckSchema = "HealthCheckResult";
    private const string ProblemMediaType = "application/problem+json";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "WgSupervisor admin API",
            Version = AdminOpenApi.Version,
            Description =
                "The admin endpoint of a WireGuard tunnel supervisor: tunnels, sites, history, fleet status, health and metrics. " +
                "Errors are RFC 9457 problems (application/problem+json) naming the parameter at fault. " +
                "Tokens: send `Authorization: Bearer TOKEN` (or Basic with the token as password, any user name). " +
                "When the endpoint is reachable from other hosts, every route but /healthz and /readyz needs the read token or the admin token; " +
                "on loopback, reads need none. Routes that change the supervisor always need the admin token (the read token gets 403). " +
                "Too many failed authentications from one address get 429 with Retry-After.",
        };
        // The server is the address the document was fetched from; a trailing slash would double the paths' own.
        foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/') is { Length: > 0 } url ? url : "/";

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer",
            Description = "The admin token (every route) or the read token (GET and HEAD only)",
        };
        document.Components.SecuritySchemes[BasicScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "basic",
            Description = "For browsers (the dashboard): any user name, the read or admin token as password",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas.TryAdd(ProblemSchema, ProblemDetailsSchema());
        document.Components.Schemas[HealthCheckSchema] = HealthCheckResultSchema();
        document.Components.Schemas[HealthSchema] = HealthReportSchema(document);

        AddUnhandledRoutes(document);
        document.Tags = new HashSet<OpenApiTag>(ApiTags.All.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));

        foreach (var (path, item) in document.Paths)
        foreach (var (method, operation) in item.Operations ?? [])
        {
            DescribeAccess(document, path, method, operation);
            DescribeParameters(operation);
        }
        return Task.CompletedTask;
    }

    /// <summary>What the handlers accept in each parameter (they take text and check it: see RouteParameters).</summary>
    private static readonly IReadOnlyDictionary<string, string> ParameterDescriptions = new Dictionary<string, string>
    {
        ["name"] = "The tunnel's name: 1-64 letters, digits, '.', '_' or '-'",
        ["site"] = "A site label: 1-64 letters, digits, '.', '_' or '-'",
        ["node"] = "A node's name: 1-64 letters, digits, '.', '_' or '-'",
        ["tunnel"] = "Only this tunnel's events (its name)",
        ["state"] = $"Only tunnels in this state: {string.Join(", ", TunnelResource.StateNames)}",
        ["type"] = $"Only events of this type: {string.Join(", ", HistoryReader.EventTypes)}",
        ["since"] = "Only events at or after this ISO 8601 time, e.g. 2026-11-25T10:00:00Z",
        ["until"] = "Only events before this ISO 8601 time",
        ["after"] = "Where the page starts: after the 'next' of the previous page (/api/events), or after a sequence number (a tunnel's events)",
        ["limit"] = "How many at most: 1-1000, default 100 (/api/events); 1-10000, default 1000 (a tunnel's events)",
        ["to"] = "The node to move the tunnel to (its Standby or Primary)",
    };

    private static void DescribeParameters(OpenApiOperation operation)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            if (parameter.Description is null && parameter.Name is { } name && ParameterDescriptions.TryGetValue(name, out var description))
                parameter.Description = description;
    }

    /// <summary>Who may call the operation, and the refusals that follow from it (AdminAccess, TokenFilter).</summary>
    private static void DescribeAccess(OpenApiDocument document, string path, HttpMethod method, OpenApiOperation operation)
    {
        operation.Responses ??= new OpenApiResponses();
        if (path.StartsWith("/api/", StringComparison.Ordinal))
            operation.Responses.TryAdd("500", Problem(document, "The supervisor could not answer (e.g. its actors did not reply in time)"));
        if (AdminAccess.IsOpen(path))
        {
            operation.Security = [];
            return;
        }
        var changes = !AdminCredentials.IsRead(method.Method);
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BasicScheme, document)] = [] },
        ];
        operation.Responses.TryAdd("401", Problem(document, changes
                ? "No token, or not the admin token (the route changes the supervisor)"
                : "No token or a wrong one, on an endpoint reachable from other hosts (on loopback, reads need no token)",
            ("WWW-Authenticate", "The scheme to use: Bearer for the API, Basic for the dashboard's page")));
        if (changes) operation.Responses.TryAdd("403", Problem(document, "The read token was sent: changes need the admin token"));
        operation.Responses.TryAdd("429", Problem(document, "Too many failed authentications from this address within the window",
            ("Retry-After", "Seconds until the address may try again")));
    }

    /// <summary>Routes that are not minimal-API handlers, so that the API explorer does not see them.</summary>
    private static void AddUnhandledRoutes(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        var healthContent = Json(new OpenApiSchemaReference(HealthSchema, document));
        document.Paths["/healthz"] = Get(new OpenApiOperation
        {
            OperationId = "getLiveness",
            Summary = "Liveness: 503 only when the actor system is down; a degraded journal or poller shows in the body",
            Tags = Tag(document, ApiTags.Health),
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "Alive (healthy or degraded)", Content = healthContent },
                ["503"] = new OpenApiResponse { Description = "The actor system is down", Content = Json(new OpenApiSchemaReference(HealthSchema, document)) },
            },
        });
        document.Paths["/readyz"] = Get(new OpenApiOperation
        {
            OperationId = "getReadiness",
            Summary = "Readiness: 503 unless the journal and the poller are fine too",
            Tags = Tag(document, ApiTags.Health),
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "Ready", Content = Json(new OpenApiSchemaReference(HealthSchema, document)) },
                ["503"] = new OpenApiResponse { Description = "Not ready (degraded or unhealthy)", Content = Json(new OpenApiSchemaReference(HealthSchema, document)) },
            },
        });
        document.Paths["/metrics"] = Get(new OpenApiOperation
        {
            OperationId = "getMetrics",
            Summary = "Prometheus metrics (text exposition format 0.0.4): tunnels, repairs, permits, polls, journal, cluster",
            Tags = Tag(document, ApiTags.Metrics),
            Responses = new OpenApiResponses { ["200"] = new OpenApiResponse { Description = "The exposition", Content = Text("text/plain") } },
        });
        document.Paths["/"] = Get(new OpenApiOperation
        {
            OperationId = "getDashboard",
            Summary = "The live dashboard's page (a browser asks for Basic credentials when a token is needed)",
            Tags = Tag(document, ApiTags.Dashboard),
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "The page", Content = Text("text/html") },
                ["304"] = new OpenApiResponse { Description = "Not modified (If-None-Match matched the ETag)" },
            },
        });
        document.Paths["/dashboard/{file}"] = Get(new OpenApiOperation
        {
            OperationId = "getDashboardFile",
            Summary = "A file of the dashboard: dashboard.js, dashboard.css or favicon.svg",
            Tags = Tag(document, ApiTags.Dashboard),
            Parameters =
            [
                new OpenApiParameter
                {
                    Name = "file", In = ParameterLocation.Path, Required = true, Description = "dashboard.js, dashboard.css or favicon.svg",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                },
            ],
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "The file", Content = Text("text/javascript", "text/css", "image/svg+xml") },
                ["304"] = new OpenApiResponse { Description = "Not modified (If-None-Match matched the ETag)" },
                ["404"] = Problem(document, "The dashboard has no such file"),
            },
        });
    }

    private static OpenApiPathItem Get(OpenApiOperation operation) =>
        new() { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };

    private static HashSet<OpenApiTagReference> Tag(OpenApiDocument document, string name) => [new OpenApiTagReference(name, document)];

    private static Dictionary<string, OpenApiMediaType> Json(IOpenApiSchema schema) => new() { ["application/json"] = new OpenApiMediaType { Schema = schema } };

    private static Dictionary<string, OpenApiMediaType> Text(params string[] mediaTypes) =>
        mediaTypes.ToDictionary(m => m, _ => new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } });

    private static OpenApiResponse Problem(OpenApiDocument document, string description, params (string Name, string Description)[] headers) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { [ProblemMediaType] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, document) } },
        Headers = headers.Length == 0
            ? null
            : headers.ToDictionary(h => h.Name, h => (IOpenApiHeader)new OpenApiHeader
            {
                Description = h.Description, Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            }),
    };

    /// <summary>RFC 9457, as ASP.NET Core writes it (with traceId), plus the parameter at fault that this API adds.</summary>
    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
        },
    };

    private static OpenApiSchema HealthReportSchema(OpenApiDocument document) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The node's health: the overall status and each check's",
        Required = new HashSet<string> { "status", "checks" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["status"] = Status(),
            ["checks"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object, Description = "Each check by name (actors, journal, poller, ...)",
                AdditionalProperties = new OpenApiSchemaReference(HealthCheckSchema, document),
            },
        },
    };

    private static OpenApiSchema HealthCheckResultSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "status", "description", "data" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["status"] = Status(),
            ["description"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["data"] = new OpenApiSchema { Type = JsonSchemaType.Object | JsonSchemaType.Null, Description = "What the check measured, when it says more" },
        },
    };

    private static OpenApiSchema Status() => new()
    {
        Type = JsonSchemaType.String,
        Enum = [JsonValue.Create("healthy"), JsonValue.Create("degraded"), JsonValue.Create("unhealthy")],
    };
}
