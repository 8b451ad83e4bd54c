namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>Adds or removes one finalizer in an object's raw <c>metadata.finalizers</c>, keeping the others and their order.</summary>
internal static class Finalizers
{
    /// <summary>Sets <paramref name="finalizer"/> present or absent in <paramref name="raw"/> (in place) and returns it.</summary>
    public static JsonObject Set(JsonObject raw, string finalizer, bool present)
    {
        var metadata = raw["metadata"]!.AsObject();
        var kept = (metadata["finalizers"] as JsonArray ?? [])
            .Select(f => f?.GetValue<string>())
            .OfType<string>()
            .Where(f => f != finalizer)
            .ToList();
        if (present)
        {
            kept.Add(finalizer);
        }

        metadata["finalizers"] = new JsonArray([.. kept.Select(f => (JsonNode?)f)]);
        return raw;
    }
}
