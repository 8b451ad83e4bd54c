using CsiDriver.ExternalSecrets.Api;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>The <c>ownerReferences</c> a cluster-scoped resource puts on each object it creates, so Kubernetes deletes them with it.</summary>
internal static class ControllerOwner
{
    /// <summary>One controller reference to <paramref name="owner"/>, blocking its deletion until the object is gone.</summary>
    public static JsonArray References(string apiVersion, string kind, EsObjectMeta owner) =>
        new(new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = kind,
            ["name"] = owner.Name,
            ["uid"] = owner.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        });
}
