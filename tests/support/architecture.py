"""A small source tree with Python and TypeScript modules, one import cycle and a syntax error."""

from __future__ import annotations

TREE = {
    "src/app/__init__.py": "",
    "src/app/api/__init__.py": "",
    "src/app/api/routes.py": "from ..core import service\nimport os\n",
    "src/app/core/__init__.py": "",
    "src/app/core/service.py": "from app.api.routes import handler\n",
    "src/app/broken.py": "def broken(:\n",
    "web/src/pages/Home.tsx": "import { get } from '../services/api';\nimport React from 'react';\n",
    "web/src/services/api.ts": "export const get = () => fetch('/api');\n",
    "web/src/main.ts": "import './pages/Home';\nconst lazy = import('./services/api');\n",
}
