// The "Client Implementation Example" of shared/spec/websocket-api.md, as written there;
// only the URL and the token are read from the environment
// (CONVEYOR_WS_URL, e.g. http://127.0.0.1:8000/ws, and CONVEYOR_TOKEN).
import { io } from 'socket.io-client';

// Connect to WebSocket server
const socket = io(process.env.CONVEYOR_WS_URL, {
  transports: ['websocket'],
  autoConnect: true
});

// Handle connection events
socket.on('connect', () => {
  console.log('Connected to WebSocket server');
  
  // Authenticate with JWT token
  socket.emit('authenticate', { token: process.env.CONVEYOR_TOKEN });
});

socket.on('authenticated', (data) => {
  console.log('Authenticated successfully', data);
  
  // Subscribe to events
  setupEventListeners();
});

socket.on('auth_error', (error) => {
  console.error('Authentication failed', error);
});

socket.on('disconnect', () => {
  console.log('Disconnected from WebSocket server');
});

// Set up event listeners
function setupEventListeners() {
  // Pipeline events
  socket.on('pipeline_execution_started', (data) => {
    console.log('Pipeline execution started', data);
  });
  
  socket.on('pipeline_execution_completed', (data) => {
    console.log('Pipeline execution completed', data);
  });
  
  // Security events
  socket.on('security_vulnerability_detected', (data) => {
    console.log('Security vulnerability detected', data);
  });
  
  // Debug events
  socket.on('debug_error_detected', (data) => {
    console.log('Error detected', data);
  });
  
  // System events
  socket.on('system_alert', (data) => {
    console.log('System alert', data);
  });
}
