using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.OpenApi;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// The admin API's OpenAPI document (/openapi/v1.json), complete enough for a client generator: every route's answers with
/// their schemas and problems, the token schemes, operationIds, and the routes that are not minimal-API handlers
/// (/healthz, /readyz, /metrics, the dashboard). The route files say what each route answers; the transformers here add what
/// every route shares (who may call it, and the refusals that follow).
/// </summary>
public static class AdminOpenApi
{
    public static IServiceCollection AddAdminOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        // Anonymous types (the effective configuration and its parts) have no name a document may use: they are inlined.
        options.CreateSchemaReferenceId = type => IsAnonymous(type.Type) ? null : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
        options.AddSchemaTransformer<WrittenNumbersTransformer>();
        options.AddOperationTransformer<OptionalJsonBodyTransformer>();
        options.AddDocumentTransformer<AdminApiDocumentTransformer>();
    });

    private static bool IsAnonymous(Type type) =>
        type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) && type.Name.Contains("AnonymousType", StringComparison.Ordinal);

    /// <summary>The host's version, as its assembly states it (without the source revision after '+').</summary>
    public static string Version =>
        typeof(AdminOpenApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";
}

/// <summary>Describes the optional JSON body of routes marked with <see cref="OptionalJsonBody"/>.</summary>
internal sealed class OptionalJsonBodyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(Microsoft.OpenApi.OpenApiOperation operation, OpenApiOperationTransformerContext context,
        CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<OptionalJsonBody>().FirstOrDefault() is not { } body) return;
        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
        // Every field of such a body is optional: the route reads what is there.
        schema.Required?.Clear();
        operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
        {
            Required = false,
            Description = "Optional; a missing or malformed body is taken as no body",
            Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
        };
    }
}

/// <summary>
/// The web JSON options read numbers from strings too, so the generated schemas allow "integer or string with a digits
/// pattern". The API writes numbers as numbers and reads none from a body: the document says what is written.
/// </summary>
internal sealed class WrittenNumbersTransformer : IOpenApiSchemaTransformer
{
    private const Microsoft.OpenApi.JsonSchemaType Numeric = Microsoft.OpenApi.JsonSchemaType.Integer | Microsoft.OpenApi.JsonSchemaType.Number;

    public Task TransformAsync(Microsoft.OpenApi.OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & Numeric) != 0 && type.HasFlag(Microsoft.OpenApi.JsonSchemaType.String) && schema.Pattern is not null)
        {
            schema.Type = type & ~Microsoft.OpenApi.JsonSchemaType.String;
            schema.Pattern = null;
        }
        return Task.CompletedTask;
    }
}
