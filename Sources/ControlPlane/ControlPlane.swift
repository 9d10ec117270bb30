// ControlPlane: storage, JSON API and dashboard of the fleet control plane.
